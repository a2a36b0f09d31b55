"""Small allot-problem/1 dicts for the solver tests, and a brute-force optimum for tiny ones."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np

from solver.gap import GapInstance
from solver.io import problem_from_dict
from solver.problem import ProblemData
from solver.separable import applies
from solver.space import build_space
from solver.synthetic import channel_policy, channel_to_problem, generate_channel


def tiny() -> dict[str, Any]:
    """Two partners, three accounts, one line, one specialist.

    Values (whitespace x rate, line L):
      A1 ws 100: P1 rate .5 -> 50, P2 rate .2 -> 20
      A2 ws 200: P1 -> 100,        P2 -> 40
      A3 ws 50:  P1 -> 25,         P2 -> 10
    P1 capacity 2 (workloads 1 each), P2 capacity 5. Specialist S (lift .6, capacity 1) adds
    ws * min(.6, 1 - rate): .5 ws with P1, .6 ws with P2 (depends on the partner).
    """
    return {
        "format": "allot-problem/1",
        "name": "tiny",
        "product_lines": ["L"],
        "territories": ["T"],
        "partners": [
            {
                "id": "P1",
                "track": "VOLUME",
                "tier": "GOLD",
                "capacity": 2,
                "territories": ["T"],
                "attach_rates": {"L": 0.5},
            },
            {
                "id": "P2",
                "track": "VALUE",
                "tier": "SILVER",
                "capacity": 5,
                "territories": ["T"],
                "attach_rates": {"L": 0.2},
            },
        ],
        "specialists": [
            {"id": "S", "territory": "T", "product_line": "L", "capacity": 1, "lift": 0.6}
        ],
        "accounts": [
            {
                "id": "A1",
                "territory": "T",
                "workload": 1,
                "incumbent": None,
                "whitespace": {"L": 100},
            },
            {
                "id": "A2",
                "territory": "T",
                "workload": 1,
                "incumbent": None,
                "whitespace": {"L": 200},
            },
            {
                "id": "A3",
                "territory": "T",
                "workload": 1,
                "incumbent": None,
                "whitespace": {"L": 50},
            },
        ],
        "pairs": [],
        "policy": {
            "must_cover": False,
            "pins": [],
            "forbids": [],
            "tier_floor": None,
            "min_track_share": {},
            "max_accounts_per_partner": None,
            "stickiness": 0,
        },
    }


def with_policy(**policy: Any) -> dict[str, Any]:
    """``tiny()`` with some policy fields replaced."""
    d = copy.deepcopy(tiny())
    d["policy"].update(policy)
    return d


def gap_dict(value: list[list[float]], effort: list[list[float]], cap: list[float],
             must_cover: bool = True) -> dict[str, Any]:  # fmt: skip
    """A GAP instance (agent-major values and efforts) as a problem dict; efforts and
    capacities may be fractional."""
    inst = GapInstance("k", "max", tuple(map(tuple, value)), tuple(map(tuple, effort)),  # type: ignore[arg-type]
                       tuple(cap))  # type: ignore[arg-type]  # fmt: skip
    d = inst.to_problem_dict()
    d["policy"]["must_cover"] = must_cover
    return d


def brute_force(data: ProblemData) -> float | None:
    """Best objective over every assignment (None when none fits)."""
    space = build_space(data)
    m, n = data.n_partners, data.n_accounts
    forced = data.policy.must_cover | (data.policy.pins >= 0)
    value = np.full((m, n), -np.inf)
    effort = np.zeros((m, n))
    k = space.cand
    value[data.pair_partner[k], data.pair_account[k]] = space.coef[k]
    effort[data.pair_partner[k], data.pair_account[k]] = data.pair_effort[k]
    best = None
    for choice in itertools.product(range(-1, m), repeat=n):
        a = np.array(choice)
        if (forced & (a < 0)).any():
            continue
        on = a >= 0
        v = value[a[on], np.flatnonzero(on)]
        if not np.isfinite(v).all():
            continue
        load = np.bincount(a[on], weights=effort[a[on], np.flatnonzero(on)], minlength=m)
        if (load > data.partner_capacity + 1e-9).any():
            continue
        total = float(v.sum()) + space.constant
        best = total if best is None else max(best, total)
    return best


def random_gap_dict(rng: np.random.Generator, fractional: bool, must_cover: bool
                    ) -> dict[str, Any]:  # fmt: skip
    """2-3 agents, 3-6 jobs, values 1-29; integer or fractional efforts, capacities 30-70 % of
    each agent's demand."""
    m, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    value = rng.integers(1, 30, (m, n)).astype(float).tolist()
    if fractional:
        effort = np.round(rng.uniform(0.1, 5.0, (m, n)), 3)
        cap = np.round(effort.sum(axis=1) * rng.uniform(0.3, 0.7, m), 3)
    else:
        effort = rng.integers(1, 10, (m, n)).astype(float)
        cap = np.floor(effort.sum(axis=1) * rng.uniform(0.3, 0.7, m))
    return gap_dict(value, effort.tolist(), cap.tolist(), must_cover=must_cover)


def every_rule_channel(seed: int, accounts: int, partners: int, specialists: int) -> ProblemData:
    """A synthetic channel problem with every rule active (specialists, a track share, an
    account limit, pins, forbids, a tier floor, stickiness): not pair-separable."""
    ch = generate_channel(seed=seed, accounts=accounts, partners=partners, territories=2,
                          specialists=specialists)  # fmt: skip
    data = problem_from_dict(channel_to_problem(ch, name="kb", policy=channel_policy(ch, seed)))
    assert not applies(build_space(data))
    return data
