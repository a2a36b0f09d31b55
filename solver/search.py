"""Search state shared by the phases of a solve: clock, cancellation, incumbent, bound, progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from solver.objective import evaluate
from solver.params import SolveParams
from solver.problem import ProblemData
from solver.result import Allocation, Progress, relative_gap
from solver.space import Space
from solver.validate import validate

ProgressFn = Callable[[Progress], None]


class Search:
    """The best allocation so far (objective recomputed in float) and the best proven bound."""

    def __init__(
        self,
        data: ProblemData,
        space: Space,
        params: SolveParams,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
        start: float,
    ) -> None:
        self.data = data
        self.space = space
        self.params = params
        self.progress = progress
        self.cancel = cancel
        self.start = start
        # stop a little early: CP-SAT overshoots its limit slightly and the result is built after
        self.deadline = start + params.time_limit - min(1.5, 0.025 * params.time_limit + 0.02)
        self.best: Allocation | None = None
        self.best_obj = float("-inf")
        self.bound = float("inf")
        self.stats: dict[str, float] = {}
        self._bound_lock = threading.Lock()  # a bound may come from a thread beside the search

    def elapsed(self) -> float:
        """Seconds since the solve started."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        """Seconds left before the time limit."""
        return self.deadline - time.monotonic()

    def cancelled(self) -> bool:
        """True when the caller cancelled (not merely out of time)."""
        return self.cancel is not None and self.cancel.is_set()

    def stopped(self) -> bool:
        """True when cancelled or out of time."""
        return (self.cancel is not None and self.cancel.is_set()) or self.remaining() <= 0

    def offer(self, alloc: Allocation, *, check: bool = True) -> bool:
        """Keep ``alloc`` when it is valid and better than the incumbent; reports progress."""
        if check and validate(self.data, alloc):
            return False
        obj = evaluate(self.data, alloc)
        if obj <= self.best_obj + 1e-9 * max(1.0, abs(self.best_obj)):
            return False
        self.best, self.best_obj = alloc, obj
        self.report()
        return True

    def tighten(self, bound: float) -> None:
        """Record a proven upper bound if it is tighter (from any thread)."""
        with self._bound_lock:
            if bound >= self.bound:
                return
            self.bound = bound
        self.report()

    def report_incumbent(self, objective: float) -> None:
        """Progress for a solution a solver found but has not handed over yet."""
        if self.progress is not None and objective > self.best_obj:
            gap = relative_gap(objective, self.bound)
            self.progress(Progress(objective, self.bound, gap, self.elapsed()))

    def report(self) -> None:
        """Send a progress snapshot to the callback, if any."""
        if self.progress is None:
            return
        inc = self.best_obj if self.best is not None else float("nan")
        gap = relative_gap(inc, self.bound) if self.best is not None else float("inf")
        self.progress(Progress(inc, self.bound, gap, self.elapsed()))
