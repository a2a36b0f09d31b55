"""A generated channel as an ``allot-problem/1`` dict, with an optional all-rules policy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from solver.synthetic.specs import PartnerSpec, SyntheticChannel
from solver.synthetic.vocabulary import TIERS


def channel_to_problem(
    channel: SyntheticChannel,
    *,
    name: str,
    policy: dict[str, Any] | None = None,
    unnamed_only: bool = False,
) -> dict[str, Any]:
    """The channel as an ``allot-problem/1`` dict (all accounts, or only the UNNAMED ones).

    Partner, specialist and account ids are the channel's keys and external refs.
    """
    accounts = [a for a in channel.accounts if not unnamed_only or a.coverage == "UNNAMED"]
    return {
        "format": "allot-problem/1",
        "name": name,
        "product_lines": [line.code for line in channel.product_lines],
        "territories": [t.code for t in channel.territories],
        "partners": [
            {
                "id": p.key,
                "track": p.track,
                "tier": p.tier,
                "capacity": p.capacity,
                "territories": list(p.territories),
                "attach_rates": dict(p.attach_rates),
            }
            for p in channel.partners
        ],
        "specialists": [
            {
                "id": s.key,
                "territory": s.territory,
                "product_line": s.product_line,
                "capacity": s.capacity,
                "lift": s.lift,
            }
            for s in channel.specialists
        ],
        "accounts": [
            {
                "id": a.external_ref,
                "territory": a.territory,
                "workload": a.workload,
                "incumbent": a.incumbent,
                "whitespace": a.whitespace,
            }
            for a in accounts
        ],
        "pairs": [],
        "policy": policy if policy is not None else empty_policy(),
    }


def empty_policy() -> dict[str, Any]:
    """A policy with every rule off: may leave accounts unassigned, nothing pinned."""
    return {
        "must_cover": False,
        "pins": [],
        "forbids": [],
        "tier_floor": None,
        "min_track_share": {},
        "max_accounts_per_partner": None,
        "stickiness": 0.0,
    }


def channel_policy(
    channel: SyntheticChannel, seed: int = 0, *, unnamed_only: bool = False
) -> dict[str, Any]:
    """A policy with every rule active and feasible by construction: a few pins (never more
    than a third of a partner's capacity), forbids, a GOLD floor for the largest 5 % of
    accounts, a VALUE share, a cap on accounts per partner that binds for large partners,
    and a stickiness penalty of 2 % of an account's whitespace."""
    rng = np.random.default_rng(seed + 7919)
    accounts = [a for a in channel.accounts if not unnamed_only or a.coverage == "UNNAMED"]
    by_territory: dict[str, list[PartnerSpec]] = {}
    for p in channel.partners:
        for t in p.territories:
            by_territory.setdefault(t, []).append(p)
    totals = np.array([sum(a.whitespace.values()) for a in accounts], dtype=np.float64)
    floor = int(np.quantile(totals, 0.95)) if len(totals) else 0
    pin_room = {p.key: p.capacity // 3 for p in channel.partners}
    pins, forbids = [], []
    for a, total, r in zip(accounts, totals, rng.random(len(accounts)), strict=True):
        eligible = by_territory.get(a.territory, [])
        if not eligible:
            continue
        p = eligible[int(rng.integers(len(eligible)))]
        if (
            r < 0.005
            and pin_room[p.key] >= a.workload
            and (total < floor or TIERS.index(p.tier) >= TIERS.index("GOLD"))
        ):
            pin_room[p.key] -= a.workload
            pins.append({"account": a.external_ref, "partner": p.key})
        elif 0.005 <= r < 0.015 and len(eligible) > 1:
            forbids.append({"account": a.external_ref, "partner": p.key})
    per_partner = len(accounts) / max(1, len(channel.partners))
    return {
        "must_cover": False,
        "pins": pins,
        "forbids": forbids,
        "tier_floor": {"min_whitespace": floor, "tier": "GOLD"},
        "min_track_share": {"VALUE": 0.12},
        "max_accounts_per_partner": max(1, math.ceil(2 * per_partner)),
        "stickiness": 0.02,
    }
