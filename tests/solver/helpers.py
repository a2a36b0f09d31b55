"""Small allot-problem/1 dicts for the solver tests."""

from __future__ import annotations

import copy
from typing import Any


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
