"""Run a CP-SAT sub-model: time limit, workers, seed, cancellation from another thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.cancel import stop_on_cancel
from solver.cpsat.model import SubModel, extract
from solver.result import Allocation


@dataclass(frozen=True)
class RunOutcome:
    """What one CP-SAT run gave: its status, the best allocation, scaled objective and bound."""

    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID
    allocation: Allocation | None
    objective: float
    bound: float
    wall_s: float


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution's scaled objective and stops on cancellation."""

    def __init__(
        self, on_solution: Callable[[float, float], None] | None, cancel: threading.Event | None
    ) -> None:
        super().__init__()
        self.on_solution = on_solution
        self.cancel = cancel

    def on_solution_callback(self) -> None:
        if self.on_solution is not None:
            self.on_solution(self.objective_value, self.best_objective_bound)
        if self.cancel is not None and self.cancel.is_set():
            self.stop_search()


def run(
    sub: SubModel,
    time_limit: float,
    workers: int,
    seed: int,
    *,
    cancel: threading.Event | None = None,
    log: bool = False,
    on_solution: Callable[[float, float], None] | None = None,
    extra: dict[str, float | int | bool] | None = None,
) -> RunOutcome:
    """Solve ``sub`` within ``time_limit`` seconds; keeps the best solution when stopped early."""
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.01, time_limit)
    prm.num_workers = max(1, workers)
    prm.random_seed = seed
    prm.log_search_progress = log
    for key, value in (extra or {}).items():
        setattr(prm, key, value)
    done = stop_on_cancel(cancel, solver.stop_search)
    try:
        status = solver.solve(sub.model, _Watcher(on_solution, cancel))
    finally:
        done.set()
    name = solver.status_name(status)
    alloc = None
    objective = float("-inf")
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        alloc = extract(sub, list(solver.response_proto.solution))
        objective = solver.objective_value
    return RunOutcome(name, alloc, objective, solver.best_objective_bound, solver.wall_time)
