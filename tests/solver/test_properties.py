"""Generated small problems: every result is valid, its objective is exact and under the bound."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import SolveParams, SolveStatus, evaluate, greedy, problem_from_dict, solve, validate

TRACKS = ["VOLUME", "VALUE", "ALLIANCE", "OEM"]
TIERS = ["SILVER", "GOLD", "PLATINUM"]


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    """Random problems with 1-8 accounts, 1-4 partners, up to 3 specialists and random rules."""
    lines = ["L1", "L2"]
    terrs = ["T1", "T2"]
    n_p = draw(st.integers(1, 4))
    n_a = draw(st.integers(1, 8))
    rate = st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 2))
    partners = [
        {
            "id": f"P{i}",
            "track": draw(st.sampled_from(TRACKS)),
            "tier": draw(st.sampled_from(TIERS)),
            "capacity": draw(st.integers(0, 6)),
            "territories": draw(st.lists(st.sampled_from(terrs), min_size=1, unique=True)),
            "attach_rates": {line: draw(rate) for line in lines},
        }
        for i in range(n_p)
    ]
    specialists = [
        {
            "id": f"S{i}",
            "territory": draw(st.sampled_from(terrs)),
            "product_line": draw(st.sampled_from(lines)),
            "capacity": draw(st.integers(0, 3)),
            "lift": draw(rate),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    accounts = [
        {
            "id": f"A{i}",
            "territory": draw(st.sampled_from(terrs)),
            "workload": draw(st.integers(1, 3)),
            "incumbent": draw(st.sampled_from([None, *[p["id"] for p in partners]])),
            "whitespace": {line: draw(st.integers(0, 1000)) for line in lines},
        }
        for i in range(n_a)
    ]
    ids_a = [a["id"] for a in accounts]
    ids_p = [p["id"] for p in partners]
    pair = st.fixed_dictionaries(
        {"account": st.sampled_from(ids_a), "partner": st.sampled_from(ids_p)}
    )
    policy = {
        "must_cover": draw(st.booleans()),
        "pins": draw(st.lists(pair, max_size=1)),
        "forbids": draw(st.lists(pair, max_size=2)),
        "tier_floor": draw(st.one_of(st.none(), st.just({"min_whitespace": 1000, "tier": "GOLD"}))),
        "min_track_share": draw(st.one_of(st.just({}), st.just({"VALUE": 0.3}))),
        "max_accounts_per_partner": draw(st.one_of(st.none(), st.integers(1, 3))),
        "stickiness": draw(st.sampled_from([0, 0.1])),
    }
    return {
        "format": "allot-problem/1",
        "name": "h",
        "product_lines": lines,
        "territories": terrs,
        "partners": partners,
        "specialists": specialists,
        "accounts": accounts,
        "pairs": [],
        "policy": policy,
    }


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(problems())
def test_solutions_are_valid_exact_and_bounded(d: dict[str, Any]) -> None:
    data = problem_from_dict(d)
    res = solve(data, SolveParams(time_limit=3, workers=1, seed=0))
    if res.status in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN):
        assert res.status == SolveStatus.INFEASIBLE and res.conflicts
        return
    assert validate(data, res.allocation) == []
    assert evaluate(data, res.allocation) == pytest.approx(res.objective, rel=1e-12, abs=1e-9)
    assert res.objective <= res.bound + 1e-6 * max(1.0, abs(res.bound))
    g = greedy(data)
    if not validate(data, g):
        assert res.objective >= evaluate(data, g) - 1e-6
    assert res.status == SolveStatus.OPTIMAL  # tiny problems are solved to proven optimality


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(problems(), st.sampled_from([0, 10**9]))
def test_neighbourhood_search_path(d: dict[str, Any], lp_max_pairs: int) -> None:
    # full_model_max_pairs=0 forces repair + LNS; lp_max_pairs=0 forces subgradient multipliers
    data = problem_from_dict(d)
    params = SolveParams(time_limit=1.0, workers=1, full_model_max_pairs=0,
                         lp_max_pairs=lp_max_pairs)  # fmt: skip
    res = solve(data, params)
    if res.status in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN):
        return
    assert validate(data, res.allocation) == []
    assert evaluate(data, res.allocation) == pytest.approx(res.objective, rel=1e-12, abs=1e-9)
    assert res.objective <= res.bound + 1e-6 * max(1.0, abs(res.bound))
