"""The search strategy on a medium problem: each path gives a valid allocation under its bound."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from solver import (
    Progress,
    SolveParams,
    SolveStatus,
    evaluate,
    greedy,
    problem_from_dict,
    solve,
    validate,
)


def medium(seed: int = 0, accounts: int = 300, must_cover: bool = False) -> dict[str, Any]:
    """A random channel: 3 territories, 12 partners, 6 specialists, every rule on."""
    rng = np.random.default_rng(seed)
    lines = ["A", "B", "C"]
    terrs = ["T0", "T1", "T2"]
    partners = [
        {"id": f"P{i}", "track": ["VOLUME", "VALUE"][i % 2], "tier": ["SILVER", "GOLD"][i % 2],
         "capacity": int(rng.integers(20, 60)), "territories": [terrs[i % 3], terrs[(i + 1) % 3]],
         "attach_rates": {ln: round(float(rng.uniform(0, 0.6)), 2) for ln in lines}}
        for i in range(12)
    ]  # fmt: skip
    specialists = [
        {"id": f"S{i}", "territory": terrs[i % 3], "product_line": lines[i % 3],
         "capacity": int(rng.integers(5, 30)), "lift": round(float(rng.uniform(0.1, 0.6)), 2)}
        for i in range(6)
    ]  # fmt: skip
    accounts_ = [
        {"id": f"A{i}", "territory": terrs[i % 3], "workload": int(rng.pareto(1.5) + 1),
         "incumbent": f"P{rng.integers(12)}" if rng.random() < 0.3 else None,
         "whitespace": {ln: int(rng.integers(0, 10**6)) for ln in lines}}
        for i in range(accounts)
    ]  # fmt: skip
    policy = {
        "must_cover": must_cover,
        "pins": [{"account": "A0", "partner": "P0"}],
        "forbids": [{"account": "A1", "partner": "P1"}],
        "tier_floor": {"min_whitespace": 2_500_000, "tier": "GOLD"},
        "min_track_share": {"VALUE": 0.3},
        "max_accounts_per_partner": 40,
        "stickiness": 0.02,
    }
    return {"format": "allot-problem/1", "name": "medium", "product_lines": lines,
            "territories": terrs, "partners": partners, "specialists": specialists,
            "accounts": accounts_, "pairs": [], "policy": policy}  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        SolveParams(time_limit=3, workers=2, seed=1),
        SolveParams(time_limit=3, workers=2, seed=1, full_model_max_pairs=0),
        SolveParams(time_limit=3, workers=2, seed=1, full_model_max_pairs=0, lp_max_pairs=0),
    ],
    ids=["full-model", "lns", "lns-subgradient"],
)
def test_paths_are_valid_and_beat_greedy(params: SolveParams) -> None:
    data = problem_from_dict(medium())
    res = solve(data, params)
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert validate(data, res.allocation) == []
    assert evaluate(data, res.allocation) == pytest.approx(res.objective, rel=1e-12)
    assert res.objective <= res.bound
    g = greedy(data)
    assert res.objective >= evaluate(data, g)
    assert res.partner_shadow_price.shape == (data.n_partners,)


def test_must_cover_is_repaired() -> None:
    d = medium(seed=2, accounts=150, must_cover=True)
    for p in d["partners"]:
        p["capacity"] = 60
    data = problem_from_dict(d)
    res = solve(data, SolveParams(time_limit=4, workers=2, full_model_max_pairs=0))
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert validate(data, res.allocation) == []
    assert (res.allocation.partner >= 0).all()


def test_cancel_from_another_thread_keeps_the_incumbent() -> None:
    data = problem_from_dict(medium(accounts=600))
    stop = threading.Event()
    seen: list[Progress] = []

    def on_progress(p: Progress) -> None:
        seen.append(p)
        if p.elapsed_s > 0.5:
            stop.set()

    threading.Timer(2.0, stop.set).start()
    res = solve(data, SolveParams(time_limit=60, full_model_max_pairs=0), on_progress, stop)
    assert res.runtime_s < 30
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert validate(data, res.allocation) == []
    assert seen and all(p.incumbent <= p.bound + 1e-6 * abs(p.bound) for p in seen)
