"""Cancelling a medium solve mid-search keeps a valid best-so-far allocation (issue 4).

The cancel is set about a second in, while the relaxation (LP or subgradient multipliers) or the
starts are running; the phases must see it and hand back the incumbent. How fast they return is
measured in bench/RESULTS.md ("Cancel latency"), not asserted here.
"""

from __future__ import annotations

import threading

import pytest

from solver import SolveParams, SolveStatus, evaluate, problem_from_dict, solve, validate
from solver.problem import ProblemData
from solver.synthetic import channel_policy, channel_to_problem, generate_channel


@pytest.fixture(scope="module")
def channel_5k() -> ProblemData:
    """5,000 accounts, 250 partners, 60 specialists, every policy rule active."""
    ch = generate_channel(seed=0, accounts=5000, partners=250, territories=20, specialists=60)
    return problem_from_dict(channel_to_problem(ch, name="cancel", policy=channel_policy(ch)))


@pytest.mark.parametrize("lp_max_pairs", [400_000, 0], ids=["lp", "subgradient"])
def test_cancel_after_a_second_keeps_a_valid_best_so_far(
    channel_5k: ProblemData, lp_max_pairs: int
) -> None:
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    try:
        params = SolveParams(time_limit=60, lp_max_pairs=lp_max_pairs)
        res = solve(channel_5k, params, None, stop)
    finally:
        timer.cancel()
    assert stop.is_set()
    assert res.status == SolveStatus.FEASIBLE
    assert validate(channel_5k, res.allocation) == []
    assert evaluate(channel_5k, res.allocation) == pytest.approx(res.objective, rel=1e-9)
    # best so far: never worse than the greedy start the search began from
    assert res.objective >= res.greedy_objective - 1e-9 * abs(res.greedy_objective)
    assert (res.allocation.partner >= 0).any()
    assert res.bound >= res.objective


def test_lp_build_stops_when_cancel_is_already_set(channel_5k: ProblemData) -> None:
    from solver.lp import solve_lp
    from solver.space import build_space

    stop = threading.Event()
    stop.set()
    res = solve_lp(build_space(channel_5k), time_limit=30, cancel=stop)
    assert res.status == "CANCELLED"
    assert not res.ok and not res.has_prices
