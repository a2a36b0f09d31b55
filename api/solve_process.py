"""One solve in a child process, so the worker's event loop never blocks on CP-SAT.

The child is a fresh ``python -c`` (nothing of the parent's main module is re-imported, unlike
multiprocessing's spawn) talking over a socket pair. It dies with its parent
(``PR_SET_PDEATHSIG`` on Linux, plus a thread that watches the parent pid), sends progress
snapshots up the socket (at most ``PROGRESS_EVERY_S`` apart) and stops the solver when the
parent sends ``"cancel"``: the solver then returns the best allocation found so far. The child
turns the result into store-ready rows itself, so only rows travel back.

The solver's numba kernels (``solver.compiled``) are warmed in the background twice: when a
worker starts (``warm_solver_cache``: a separate ``python -c`` compiles them into numba's cache,
10-22 s after an install, so the worker's own process, which may be the API's, neither holds the
GIL that long nor keeps numba in memory), and in a child whose solve may run them
(``solver.separable.uses_kernels``; ``warm_solver``: a thread loads the cached kernels, about
1 s, while the solve's first steps run).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
NO_INCUMBENT_GRACE_S = 1.0
"""After a cancel, how long to wait for a solver that has reported no allocation yet."""
PR_SET_PDEATHSIG = 1
CHILD_CODE = "from api.solve_process import child_entry; child_entry()"


class SolveFailed(Exception):
    """The child reported an error or died without a result."""


class SolveAborted(Exception):
    """The worker is stopping: the child was killed, the job must be given back."""


class SolveCancelled(Exception):
    """Cancelled before the solver reported any allocation: the child was killed, nothing kept."""


@dataclass(frozen=True)
class ChildResult:
    """What a finished child sends back: the outcome rows, timings, and whether it stopped early."""

    outcome: Any  # db.scenarios.store.SolveOutcome
    stats: dict[str, float]
    cancelled: bool


WARM_CODE = "from solver.compiled import warm; warm()"
WARM_TIMEOUT_S = 300.0


def _warm_here() -> float:
    """Load (or compile) the kernels in this process; returns the seconds it took."""
    from solver.compiled import warm

    return warm()


def _warm_in_child() -> float:
    """Compile (or load) the kernels in a separate Python process, which leaves them in numba's
    cache on disk for the solve children; returns the seconds it took, raises on failure."""
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WARM_CODE],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WARM_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(f"exit {done.returncode}: {lines[-1] if lines else 'no message'}")
    return time.monotonic() - t0


@dataclass
class WarmUp:
    """One process's background warm-up of the solver's numba kernels (``solver.compiled.warm``).

    The first solve that runs a kernel otherwise pays it inside its time limit: 10-22 s to compile
    the first time after an install (the result is cached on disk), then about 1 s to import
    numba and load the cache in each new process. ``run`` does the work (in this process, or
    in a separate one) and returns its seconds.
    """

    run: Callable[[], float] = _warm_here
    thread: threading.Thread | None = None
    seconds: float | None = None
    """How long the warm-up took, once it has succeeded."""
    error: str | None = None
    """Why it failed, if it did (the search then compiles at its first use, as before)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> threading.Thread:
        """Start the warm-up in a daemon thread unless it was started already; never blocks."""
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._work, name="allot-solver-warm-up", daemon=True
                )
                self.thread.start()
            return self.thread

    def _work(self) -> None:
        try:
            self.seconds = self.run()
        except Exception as exc:  # a failed warm-up must never take the worker down
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("warming the solver's numba kernels failed; they compile at first use")
            return
        log.info("solver's numba kernels ready in %.2f s", self.seconds)


WARM_UP = WarmUp()
CACHE_WARM_UP = WarmUp(_warm_in_child)


def warm_solver() -> threading.Thread:
    """Load the solver's numba kernels into this process in a background daemon thread, once
    per process (the solve child); returns that thread. Errors are logged, never raised."""
    return WARM_UP.start()


def warm_solver_cache() -> threading.Thread:
    """Compile the solver's numba kernels into numba's disk cache from a separate process, in a
    background daemon thread, once per process (a worker at start); returns that thread.
    Errors are logged, never raised."""
    return CACHE_WARM_UP.start()


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL us when the parent dies; poll the parent pid as a fallback."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(3)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(3)


def child_entry() -> None:
    """``python -c`` entry of the child: argv holds the socket's fd and the parent's pid."""
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    _die_with_parent(parent)
    conn = Connection(fd)
    try:
        problem, params = conn.recv()
    except EOFError:
        return
    child_main(conn, problem, params)


def child_main(conn: Connection, problem: dict[str, Any], params: dict[str, Any]) -> None:
    """Build, solve, explain, send rows (or an error) up the pipe.

    The explanations' pass over every allowed pair (``explain.shortlist``) runs before the
    solve, so that after the solver returns (at its time limit or on a cancel) only the cheap
    part is left. ``stats`` carries CLOCK_MONOTONIC stamps (``*_at``, comparable across the
    processes of one machine) of the cancel's arrival, the solver's return and the rows being
    ready, so that the worker and the benchmark can split a cancel's latency into its phases.

    When the solve may run the solver's numba kernels (``solver.separable.uses_kernels``: the
    tabu search on pair-separable problems, the knapsack bound on most) they are loaded
    (``warm_solver``) in the background while the explanations' pass and the solver's first
    phases run, instead of at their first use inside the time limit (importing numba and
    loading its cache: about 1 s).
    """
    from db.scenarios.store import outcome_from_solve
    from solver import (
        ProblemValidationError,
        Progress,
        SolveParams,
        problem_from_dict,
        solve,
    )
    from solver.explain import shortlist
    from solver.separable import uses_kernels
    from solver.space import build_space

    cancel = threading.Event()
    cancelled_at: list[float] = []
    lock = threading.Lock()

    def listen() -> None:
        with contextlib.suppress(EOFError, OSError):
            while conn.recv() != "cancel":
                pass
        cancelled_at.append(time.monotonic())
        cancel.set()  # a closed pipe means the parent is gone: stop too

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            conn.send(message)

    threading.Thread(target=listen, daemon=True).start()
    last = [0.0]
    had_incumbent = [False]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        first = not had_incumbent[0] and math.isfinite(p.incumbent)
        if first or now - last[0] >= PROGRESS_EVERY_S:  # the first allocation is never held back
            had_incumbent[0] = had_incumbent[0] or first
            last[0] = now
            send(("progress", p.incumbent, p.bound, p.gap, p.elapsed_s))

    try:
        t0 = time.perf_counter()
        data = problem_from_dict(problem)
        t1 = time.perf_counter()
        space = build_space(data)
        if uses_kernels(space):  # the solver may run its numba kernels: load them meanwhile
            warm_solver()
        short = shortlist(space)
        t2 = time.perf_counter()
        result = solve(data, SolveParams(**params), progress=progress, cancel=cancel, space=space)
        t3 = time.perf_counter()
        returned_at = time.monotonic()
        outcome = outcome_from_solve(result, data, space=space, short=short)
        t4 = time.perf_counter()
    except ProblemValidationError as exc:
        send(("error", f"bad problem data: {exc}"))
        return
    stats = {
        "build_s": t1 - t0,
        "explain_prepare_s": t2 - t1,
        "solver_s": t3 - t2,
        "explain_s": t4 - t3,
        "solver_returned_at": returned_at,
        "rows_ready_at": time.monotonic(),
    }
    if cancelled_at:  # how long the solver took to return after the cancel arrived
        stats["cancel_received_at"] = cancelled_at[0]
        stats["cancel_to_return_s"] = max(0.0, returned_at - cancelled_at[0])
    send(("result", ChildResult(outcome, stats, cancel.is_set())))


async def run_in_child(
    problem: dict[str, Any],
    params: dict[str, Any],
    on_progress: Callable[[float, float, float, float], Awaitable[None]],
    should_cancel: Callable[[], Awaitable[bool]],
    *,
    abort: Callable[[], bool] = lambda: False,
    check_every_s: float = 0.25,
    cancel_event: asyncio.Event | None = None,
    no_incumbent_grace_s: float = NO_INCUMBENT_GRACE_S,
) -> ChildResult:
    """Solve ``problem`` in a spawned child; report progress, relay a cancel, return its rows.

    The loop wakes on whichever comes first: a message from the child (the socket is watched
    by the event loop), ``cancel_event`` (set by the worker's LISTEN on the cancel channel, so
    a cancel is relayed at once), or every ``check_every_s`` to ask ``should_cancel`` (the
    database flag: the fallback when a notification was lost) and ``abort``.

    After a cancel the solver returns its best allocation, unless it has reported none yet
    (no progress with an incumbent): then there is nothing to keep, and a solver still busy
    after ``no_incumbent_grace_s`` (at 50,000 accounts its first phase does not watch the
    cancel for several seconds) is killed and ``SolveCancelled`` raised.
    """
    parent_sock, child_sock = socket.socketpair()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD_CODE, str(child_sock.fileno()), str(os.getpid())],
        pass_fds=(child_sock.fileno(),),
        stdin=subprocess.DEVNULL,
    )
    child_sock.close()
    parent_end = Connection(parent_sock.detach())
    cancel_sent = False
    cancel_sent_at = 0.0
    seen_incumbent = False
    next_check = time.monotonic()
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(parent_end.fileno(), readable.set)
    # uvloop (what uvicorn runs on) makes a watched fd non-blocking (libuv's uv_poll_init);
    # the pipe is read and written whole in threads, so it stays blocking: a problem or result
    # larger than the socket buffer failed with BlockingIOError (the 5,000-account demo)
    os.set_blocking(parent_end.fileno(), True)
    wake = cancel_event or asyncio.Event()
    try:
        await asyncio.to_thread(parent_end.send, (problem, params))
        while True:
            if not parent_end.poll(0):
                readable.clear()
                waits = [asyncio.ensure_future(readable.wait())]
                if not cancel_sent:
                    waits.append(asyncio.ensure_future(wake.wait()))
                _, pending = await asyncio.wait(
                    waits, timeout=check_every_s, return_when=asyncio.FIRST_COMPLETED
                )
                for waiting in pending:
                    waiting.cancel()
            if parent_end.poll(0):
                try:
                    message = await asyncio.to_thread(parent_end.recv)
                except EOFError:
                    raise SolveFailed(f"solver process ended (exit code {proc.poll()})") from None
                kind = message[0]
                if kind == "progress":
                    seen_incumbent = seen_incumbent or math.isfinite(message[1])
                    await on_progress(*message[1:])
                elif kind == "result":
                    result: ChildResult = message[1]
                    return result
                else:
                    raise SolveFailed(str(message[1]))
            elif abort():
                raise SolveAborted("worker stopping")
            elif proc.poll() is not None:
                raise SolveFailed(f"solver process died (exit code {proc.returncode})")
            if cancel_sent:
                late = time.monotonic() - cancel_sent_at > no_incumbent_grace_s
                if late and not seen_incumbent and not parent_end.poll(0):  # no result arriving
                    raise SolveCancelled("cancelled before the solver reported any allocation")
                continue
            if wake.is_set() or (time.monotonic() >= next_check and await should_cancel()):
                parent_end.send("cancel")
                cancel_sent, cancel_sent_at = True, time.monotonic()
            elif time.monotonic() >= next_check:
                next_check = time.monotonic() + check_every_s
    except BaseException:
        proc.kill()  # failed, aborted or cancelled: no reason to let it finish
        raise
    finally:
        loop.remove_reader(parent_end.fileno())
        parent_end.close()
        task = asyncio.create_task(_reap(proc))  # the result is in: don't wait for its exit
        _REAPERS.add(task)
        task.add_done_callback(_REAPERS.discard)


_REAPERS: set[asyncio.Task[None]] = set()


async def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait briefly for the child to exit (it does once the pipe closes), else kill it."""
    for _ in range(40):
        if proc.poll() is not None:
            return
        await asyncio.sleep(0.05)
    proc.kill()
    await asyncio.to_thread(proc.wait, 5)
