"""The solve child: a cancel keeps the best allocation, or ends with nothing when there is none."""

from __future__ import annotations

import asyncio
import json
import math
import re

import pytest

from api.solve_process import SolveCancelled, run_in_child
from solver.synthetic import channel_to_problem, generate_channel

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
