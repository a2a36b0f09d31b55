"""HiGHS MIPs (``solver.highs``): warm start, incumbent at the time limit, prompt cancellation.

HiGHS cannot be interrupted inside OR-Tools, so a cancel abandons the running HiGHS call; these
tests check that the call (and a whole solve in its neighbourhood-search phase) hands back its
result with a CANCELLED status long before the time limit it was given, keeping the incumbent.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from ortools.linear_solver.python import model_builder_helper as mbh

from solver import SolveParams, SolveStatus, evaluate, problem_from_dict, solve, validate
from solver.highs import solve_mip
from solver.problem import ProblemData
from solver.synthetic import channel_policy, channel_to_problem, generate_channel


def _knapsacks(
    n: int = 3000, rows: int = 60, seed: int = 0
) -> tuple[mbh.ModelBuilderHelper, np.ndarray]:
    """A multi-dimensional knapsack HiGHS does not close in minutes; returns it and its rows."""
    rng = np.random.default_rng(seed)
    h = mbh.ModelBuilderHelper()
    h.add_var_array_with_bounds(np.zeros(n), np.ones(n), np.ones(n, bool), "")  # type: ignore[arg-type]
    a = np.zeros((rows, n))
    for r in range(rows):
        idx = rng.choice(n, 400, replace=False)
        a[r, idx] = rng.uniform(1, 5, len(idx))
        ct = h.add_linear_constraint()
        h.set_constraint_lower_bound(ct, -np.inf)
        h.set_constraint_upper_bound(ct, 20.0)
        for v in idx.tolist():
            h.add_term_to_constraint(ct, v, float(a[r, v]))
    h.set_objective_coefficients(list(range(n)), rng.uniform(0, 10, n).tolist())
    h.set_maximize(True)
    return h, a


def test_time_limit_keeps_the_incumbent_and_a_warm_start_is_used() -> None:
    h, a = _knapsacks()
    hint = np.zeros(3000)
    hint[:4] = 1.0  # feasible: every row holds at most 4 x 5 <= 20
    assert (a @ hint <= 20.0).all()
    out = solve_mip(h, 0.5, hint)
    assert out.status == "FEASIBLE"  # not proven optimal, but the incumbent is kept
    assert out.values is not None
    assert (a @ out.values <= 20.0 + 1e-6).all()
    assert out.objective >= float(
        np.dot(hint, [h.var_objective_coefficient(v) for v in range(3000)])
    )
    assert out.bound >= out.objective


def test_cancel_returns_long_before_the_time_limit() -> None:
    h, _ = _knapsacks(seed=1)
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    try:
        out = solve_mip(h, 60.0, None, stop)
    finally:
        timer.cancel()
    assert out.status == "CANCELLED"
    assert out.values is None
    assert out.wall_s < 30.0  # the 60 s limit was not waited for


@pytest.fixture(scope="module")
def channel_2k() -> ProblemData:
    ch = generate_channel(seed=1, accounts=2000, partners=100, territories=20, specialists=40)
    return problem_from_dict(channel_to_problem(ch, name="highs", policy=channel_policy(ch)))


def test_cancel_during_highs_neighbourhoods_keeps_the_incumbent(channel_2k: ProblemData) -> None:
    stop = threading.Event()
    fired: list[float] = []
    start = time.monotonic()

    def cancel() -> None:
        fired.append(time.monotonic() - start)
        stop.set()

    timer = threading.Timer(5.0, cancel)  # 2,000 accounts: LP and starts take about 1 s
    timer.start()
    try:
        params = SolveParams(time_limit=60, lns_engine="highs")
        res = solve(channel_2k, params, None, stop)
    finally:
        timer.cancel()
    assert stop.is_set()
    assert "lns_steps" in res.stats  # the cancel came during neighbourhood search
    # the last background RINS MIP either stopped on the cancel or had returned before it (a
    # run that proves its neighbourhood before the cancel may have no successor)
    assert res.stats["rins_cancelled"] == 1.0 or res.stats["rins_end_s"] <= fired[0] + 0.05
    assert res.status == SolveStatus.FEASIBLE
    assert res.runtime_s < 30.0  # returned on the cancel, not at the 60 s limit
    assert validate(channel_2k, res.allocation) == []
    assert evaluate(channel_2k, res.allocation) == pytest.approx(res.objective, rel=1e-9)
    assert res.objective >= res.greedy_objective
    assert res.bound >= res.objective
