"""The solve child: a cancel keeps the best allocation, or ends with nothing when there is none;
where the solver may run its numba kernels (the tabu search, the knapsack bound) it loads them in
the background, and not where it never would."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest

from api import solve_process
from api.solve_process import ChildResult, SolveCancelled, child_main, run_in_child
from solver.gap import read_gap_file
from solver.synthetic import channel_to_problem, generate_channel

GAP = Path(__file__).resolve().parent.parent / "data" / "gap" / "gap1.txt"

pytestmark = pytest.mark.slow  # real solves in child processes


async def _never() -> bool:
    return False


async def test_a_cancel_before_any_allocation_kills_the_child_and_keeps_nothing() -> None:
    # 20,000 accounts: building the problem and the solver's first phase take seconds, so a
    # cancel sent at once finds no allocation reported within the grace period.
    ch = generate_channel(seed=0, accounts=20_000, partners=1_000, territories=20, specialists=200)
    problem = channel_to_problem(ch, name="early cancel")
    cancel = asyncio.Event()
    cancel.set()
    seen: list[float] = []

    async def on_progress(incumbent: float, bound: float, gap: float, elapsed: float) -> None:
        seen.append(incumbent)

    with pytest.raises(SolveCancelled):
        await run_in_child(
            problem,
            {"time_limit": 60, "workers": 1, "seed": 0},
            on_progress,
            _never,
            cancel_event=cancel,
            no_incumbent_grace_s=0.5,
        )
    assert not any(math.isfinite(x) for x in seen)


async def test_a_cancel_after_an_allocation_keeps_it() -> None:
    ch = generate_channel(seed=1, accounts=500, partners=40, territories=5, specialists=20)
    # The child maps ids to database ids (integers): number the synthetic ones.
    text = re.sub(r'"[A-Z]+0*(\d+)"', r'"\1"', json.dumps(channel_to_problem(ch, name="late")))
    problem = json.loads(text)
    cancel = asyncio.Event()
    found = asyncio.Event()

    async def on_progress(incumbent: float, bound: float, gap: float, elapsed: float) -> None:
        if math.isfinite(incumbent):
            found.set()
            cancel.set()

    result = await run_in_child(
        problem,
        {"time_limit": 60, "workers": 1, "seed": 0},
        on_progress,
        _never,
        cancel_event=cancel,
    )
    assert found.is_set() and result.cancelled
    assert result.outcome.solver_status in ("FEASIBLE", "OPTIMAL")
    assert len(result.outcome.assignments) + len(result.outcome.unassigned) == 500
    assert "cancel_to_return_s" in result.stats


def _in_this_process(problem: dict[str, Any]) -> ChildResult:
    """What the child sends back for ``problem``, ``child_main`` run here (its threads too)."""
    mine, childs = Pipe()
    child_main(childs, problem, {"time_limit": 1, "workers": 1, "seed": 0})
    message = mine.recv()
    while message[0] == "progress":
        message = mine.recv()
    mine.close()  # ends the child's cancel listener
    assert message[0] == "result", message
    result = message[1]
    assert isinstance(result, ChildResult)
    return result


def _numbered(problem: dict[str, Any]) -> dict[str, Any]:
    """``problem`` with its ids as the database integers the child maps them to."""
    return dict(json.loads(re.sub(r'"[a-zA-Z]+0*(\d+)"', r'"\1"', json.dumps(problem))))


def _gap_problem() -> dict[str, Any]:
    # a GAP instance: no specialists, no track shares, so the solver runs the compiled search
    return next(i for i in read_gap_file(GAP) if i.name == "gap1-1").to_problem_dict()


def _specialists_problem() -> dict[str, Any]:
    # not pair-separable, but its knapsacks are small: the knapsack bound runs
    ch = generate_channel(seed=2, accounts=60, partners=6, territories=2, specialists=3)
    return channel_to_problem(ch, name="specialists")


@pytest.mark.parametrize("problem", [_gap_problem, _specialists_problem])
def test_problems_that_run_a_kernel_load_them_in_the_background(
    monkeypatch: pytest.MonkeyPatch, problem: Callable[[], dict[str, Any]]
) -> None:
    warm_up = solve_process.WarmUp()
    monkeypatch.setattr(solve_process, "WARM_UP", warm_up)
    result = _in_this_process(_numbered(problem()))
    assert result.outcome.solver_status in ("FEASIBLE", "OPTIMAL")
    assert warm_up.thread is not None
    warm_up.thread.join(120)
    assert warm_up.error is None and warm_up.seconds is not None


def test_problems_whose_knapsacks_are_too_large_do_not_load_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import solver.separable

    ch = generate_channel(seed=2, accounts=60, partners=6, territories=2, specialists=3)
    monkeypatch.setattr(solver.separable, "DP_BUDGET", 0)  # not pair-separable either
    monkeypatch.setattr(solver.separable, "SPARE_DP_BUDGET", 0)
    warm_up = solve_process.WarmUp()
    monkeypatch.setattr(solve_process, "WARM_UP", warm_up)
    result = _in_this_process(_numbered(channel_to_problem(ch, name="specialists")))
    assert result.outcome.solver_status in ("FEASIBLE", "OPTIMAL")
    assert warm_up.thread is None


def test_a_large_problem_goes_to_the_child_and_back_under_uvloop() -> None:
    # uvicorn runs the service on uvloop, whose add_reader (libuv's uv_poll_init) makes the
    # socket non-blocking: a problem or a result larger than the socket buffer must still
    # travel whole (it failed with BlockingIOError on the 5,000-account demo)
    import uvloop

    ch = generate_channel(seed=3, accounts=3_000, partners=150, territories=10, specialists=30)
    problem = _numbered(channel_to_problem(ch, name="large"))
    assert len(json.dumps(problem)) > 2 * 212_992  # twice a socketpair buffer here

    async def on_progress(incumbent: float, bound: float, gap: float, elapsed: float) -> None:
        return None

    async def main() -> ChildResult:
        return await run_in_child(problem, {"time_limit": 2, "workers": 1, "seed": 0},
                                  on_progress, _never)  # fmt: skip

    result = uvloop.run(main())
    assert result.outcome.solver_status in ("FEASIBLE", "OPTIMAL")
    assert len(result.outcome.assignments) + len(result.outcome.unassigned) == 3_000
