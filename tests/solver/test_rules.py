"""Tiny instances with derived optima, and one feasible and one infeasible case per rule."""

from __future__ import annotations

import pytest

from solver import (
    SolveParams,
    SolveStatus,
    evaluate,
    greedy,
    problem_from_dict,
    result_to_dict,
    solve,
    validate,
)
from tests.solver.helpers import tiny, with_policy

PARAMS = SolveParams(time_limit=5.0, workers=1, seed=0)


def _solve(d: dict) -> tuple:  # type: ignore[type-arg]
    data = problem_from_dict(d)
    res = solve(data, PARAMS)
    return data, res, result_to_dict(res, data)


def _partner_of(out: dict, account: str) -> str | None:  # type: ignore[type-arg]
    for row in out["assignments"]:
        if row["account"] == account:
            return str(row["partner"])
    return None


def test_tiny_optimum() -> None:
    # P1 takes two accounts. P1={A1,A2}, P2={A3}: 50+100+10 = 160, S on A2 with P1: .5*200 = 100
    # -> 260. P1={A2,A3}, P2={A1}: 145 + 100 = 245. P1={A1,A3}, P2={A2}: 115 + .6*200 = 235.
    data, res, out = _solve(tiny())
    assert res.status == SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(260)
    assert res.bound >= res.objective - 1e-6
    assert validate(data, res.allocation) == []
    assert _partner_of(out, "A3") == "P2"
    a2 = next(r for r in out["assignments"] if r["account"] == "A2")
    assert a2["specialists"] == ["S"]
    assert a2["expected_revenue"] == pytest.approx(200)


def test_greedy_baseline_and_evaluate() -> None:
    # Best pair first: A2-P1 100, A1-P1 50 (P1 full), A3-P2 10; S on A2 with P1 adds 100.
    data = problem_from_dict(tiny())
    alloc = greedy(data)
    assert [data.partner_ids[p] for p in alloc.partner] == ["P1", "P1", "P2"]
    assert evaluate(data, alloc) == pytest.approx(260)


def test_pin_feasible() -> None:
    # A3 pinned to P1: P1={A2,A3}, P2={A1}: 100+25+20 + S on A2 (100) = 245.
    _, res, out = _solve(with_policy(pins=[{"account": "A3", "partner": "P1"}]))
    assert _partner_of(out, "A3") == "P1"
    assert res.objective == pytest.approx(245)


def test_pin_infeasible_capacity() -> None:
    pins = [{"account": a, "partner": "P1"} for a in ("A1", "A2", "A3")]
    _, res, out = _solve(with_policy(pins=pins))
    assert res.status == SolveStatus.INFEASIBLE
    assert "pins on partner P1 need 3 units of capacity, it has 2" in out["conflicts"]


def test_forbid_feasible() -> None:
    _, res, out = _solve(with_policy(forbids=[{"account": "A2", "partner": "P1"}]))
    assert _partner_of(out, "A2") == "P2"
    assert res.status == SolveStatus.OPTIMAL


def test_forbid_infeasible_under_must_cover() -> None:
    forbids = [{"account": "A1", "partner": p} for p in ("P1", "P2")]
    _, res, out = _solve(with_policy(forbids=forbids, must_cover=True))
    assert res.status == SolveStatus.INFEASIBLE
    assert any("A1 must be covered" in c for c in out["conflicts"])


def test_must_cover_feasible() -> None:
    d = tiny()
    d["partners"][1]["attach_rates"] = {}  # P2 adds nothing, yet must take A3
    _, res, out = _solve({**d, "policy": {**d["policy"], "must_cover": True}})
    assert res.status == SolveStatus.OPTIMAL
    assert out["unassigned"] == []


def test_must_cover_infeasible() -> None:
    d = with_policy(must_cover=True)
    d["partners"][1]["capacity"] = 0
    _, res, out = _solve(d)
    assert res.status == SolveStatus.INFEASIBLE
    assert any("must-cover needs at least 3" in c for c in out["conflicts"])


def test_tier_floor_feasible() -> None:
    # A2 (whitespace 200) needs GOLD: only P1 qualifies.
    _, res, out = _solve(with_policy(tier_floor={"min_whitespace": 150, "tier": "GOLD"}))
    assert _partner_of(out, "A2") == "P1"
    assert res.status == SolveStatus.OPTIMAL


def test_tier_floor_infeasible() -> None:
    floor = {"min_whitespace": 150, "tier": "PLATINUM"}
    _, res, out = _solve(with_policy(tier_floor=floor, must_cover=True))
    assert res.status == SolveStatus.INFEASIBLE
    assert any("A2 must be covered" in c for c in out["conflicts"])


def test_track_share_feasible() -> None:
    data, res, _ = _solve(with_policy(min_track_share={"VALUE": 0.5}))
    assert res.status == SolveStatus.OPTIMAL
    assert validate(data, res.allocation) == []
    value = sum(
        data.account_total_whitespace[a]
        for a, p in enumerate(res.allocation.partner)
        if p >= 0 and data.partner_ids[p] == "P2"
    )
    total = sum(data.account_total_whitespace[res.allocation.partner >= 0])
    assert value >= 0.5 * total


def test_track_share_infeasible() -> None:
    # Must cover 350 of whitespace; VALUE (P2, capacity 2) carries at most A2+A1 = 300.
    d = with_policy(min_track_share={"VALUE": 1.0}, must_cover=True)
    d["partners"][1]["capacity"] = 2
    _, res, out = _solve(d)
    assert res.status == SolveStatus.INFEASIBLE
    assert "VALUE share 1 unreachable: at most 0.86" in out["conflicts"]


def test_max_accounts_feasible() -> None:
    data, res, _ = _solve(with_policy(max_accounts_per_partner=1))
    counts = [int((res.allocation.partner == p).sum()) for p in range(2)]
    assert max(counts) <= 1
    assert validate(data, res.allocation) == []


def test_max_accounts_infeasible() -> None:
    _, res, out = _solve(with_policy(max_accounts_per_partner=1, must_cover=True))
    assert res.status == SolveStatus.INFEASIBLE
    assert any(c.startswith("at most 1 accounts per partner: 3 accounts") for c in out["conflicts"])


def test_stickiness() -> None:
    # A1's incumbent is P2 and moving it costs 1.0 x 100. P1={A2,A3}, P2={A1}: 245 beats
    # P1={A1,A2}, P2={A3}: 260 - 100 = 160.
    d = with_policy(stickiness=1.0)
    d["accounts"][0]["incumbent"] = "P2"
    _, res, out = _solve(d)
    assert res.objective == pytest.approx(245)
    assert _partner_of(out, "A1") == "P2"


def test_specialist_capacity_zero() -> None:
    d = tiny()
    d["specialists"][0]["capacity"] = 0
    _, res, out = _solve(d)
    assert res.objective == pytest.approx(160)
    assert all(r["specialists"] == [] for r in out["assignments"])


def test_explanations() -> None:
    # A2 on P1 with S: 100 + .5*200 = 200. Next best P2 with S: 40 + .6*200 = 160, regret 40.
    _, _, out = _solve(tiny())
    a2 = next(r for r in out["assignments"] if r["account"] == "A2")
    assert a2["next_best_partner"] == "P2"
    assert a2["regret"] == pytest.approx(40)
    p1 = next(r for r in out["partners"] if r["id"] == "P1")
    assert p1["load"] == 2 and p1["capacity"] == 2


def test_unassigned_reasons() -> None:
    d = tiny()
    d["partners"][1]["capacity"] = 0  # P1 takes two accounts, nobody has room for the third
    d["territories"].append("U")
    d["accounts"].append(
        {"id": "A4", "territory": "U", "workload": 1, "incumbent": None, "whitespace": {"L": 5}}
    )
    _, _, out = _solve(d)
    reasons = {r["account"]: r["reason"] for r in out["unassigned"]}
    assert reasons == {"A3": "capacity", "A4": "no eligible partner"}
