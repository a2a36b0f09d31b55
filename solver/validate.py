"""Independent checker of every rule for any allocation; uses no solver code.

Each rule is one small function that returns its messages (string ids, never indices), so a
test or a planner can see exactly what a broken allocation breaks.
"""

from __future__ import annotations

import numpy as np

from solver.problem import TIERS, TRACKS, ProblemData
from solver.result import Allocation

TOL = 1e-9


def _shape(data: ProblemData, alloc: Allocation) -> list[str]:
    """The allocation has one partner per account and one specialist slot per account x line."""
    errs = []
    if alloc.partner.shape != (data.n_accounts,):
        errs.append(f"partner array has shape {alloc.partner.shape}, want ({data.n_accounts},)")
    if alloc.specialist.shape != (data.n_accounts, data.n_lines):
        errs.append(f"specialist array has shape {alloc.specialist.shape}")
    if not errs and ((alloc.partner < -1) | (alloc.partner >= data.n_partners)).any():
        errs.append("partner index out of range")
    spec = alloc.specialist
    if not errs and ((spec < -1) | (spec >= data.n_specialists)).any():
        errs.append("specialist index out of range")
    return errs


def _eligibility(data: ProblemData, alloc: Allocation) -> list[str]:
    """An assigned partner must serve the account's territory."""
    a = np.flatnonzero(alloc.partner >= 0)
    bad = a[data.pair_index(a, alloc.partner[a]) < 0]
    return [
        f"account {data.account_ids[i]}: partner {data.partner_ids[alloc.partner[i]]} "
        f"does not serve territory {data.territory_ids[data.account_territory[i]]}"
        for i in bad
    ]


def _forbids(data: ProblemData, alloc: Allocation) -> list[str]:
    """No account goes to a partner it is forbidden for."""
    pol = data.policy
    hit = alloc.partner[pol.forbid_account] == pol.forbid_partner
    return [
        f"account {data.account_ids[a]} is forbidden for partner {data.partner_ids[p]}"
        for a, p in zip(pol.forbid_account[hit], pol.forbid_partner[hit], strict=True)
    ]


def _tier_floor(data: ProblemData, alloc: Allocation) -> list[str]:
    """Large accounts only go to partners of the floor tier or above."""
    floor = data.policy.tier_floor
    if floor is None:
        return []
    big = (data.account_total_whitespace >= floor.min_whitespace) & (alloc.partner >= 0)
    a = np.flatnonzero(big)
    low = a[data.partner_tier[alloc.partner[a]] < floor.tier]
    return [
        f"account {data.account_ids[i]} needs tier {TIERS[floor.tier]} or above, "
        f"partner {data.partner_ids[p]} is {TIERS[data.partner_tier[p]]}"
        for i, p in zip(low, alloc.partner[low], strict=True)
    ]


def _pins(data: ProblemData, alloc: Allocation) -> list[str]:
    """Pinned accounts go to their pinned partner."""
    pins = data.policy.pins
    bad = np.flatnonzero((pins >= 0) & (alloc.partner != pins))
    return [
        f"account {data.account_ids[a]} is pinned to partner {data.partner_ids[pins[a]]}"
        for a in bad
    ]


def _cover(data: ProblemData, alloc: Allocation) -> list[str]:
    """Under must-cover every account has a partner."""
    if not data.policy.must_cover:
        return []
    return [
        f"account {data.account_ids[a]} must be covered but is unassigned"
        for a in np.flatnonzero(alloc.partner < 0)
    ]


def _capacity(data: ProblemData, alloc: Allocation) -> list[str]:
    """Each partner's assigned effort stays within its capacity."""
    a = np.flatnonzero(alloc.partner >= 0)
    k = data.pair_index(a, alloc.partner[a])
    effort = np.where(k >= 0, data.pair_effort[np.maximum(k, 0)], data.account_workload[a])
    load = np.bincount(alloc.partner[a], weights=effort, minlength=data.n_partners)
    cap = data.partner_capacity
    over = np.flatnonzero(load > cap + TOL * np.maximum(1.0, cap))
    return [
        f"partner {data.partner_ids[p]} load {load[p]:g} exceeds capacity {cap[p]:g}" for p in over
    ]


def _max_accounts(data: ProblemData, alloc: Allocation) -> list[str]:
    """No partner gets more accounts than the policy's maximum."""
    limit = data.policy.max_accounts_per_partner
    if limit is None:
        return []
    count = np.bincount(alloc.partner[alloc.partner >= 0], minlength=data.n_partners)
    return [
        f"partner {data.partner_ids[p]} has {count[p]} accounts, at most {limit} allowed"
        for p in np.flatnonzero(count > limit)
    ]


def _specialists(data: ProblemData, alloc: Allocation) -> list[str]:
    """Specialists: right line, right territory, assigned accounts only, within capacity."""
    errs = []
    rows, lines = np.nonzero(alloc.specialist >= 0)
    s = alloc.specialist[rows, lines]
    for a, line, sp in zip(rows, lines, s, strict=True):
        name = f"account {data.account_ids[a]}, specialist {data.specialist_ids[sp]}"
        if alloc.partner[a] < 0:
            errs.append(f"{name}: account has no partner")
        if data.specialist_line[sp] != line:
            errs.append(f"{name}: specialist is not of line {data.line_ids[line]}")
        if data.specialist_territory[sp] != data.account_territory[a]:
            errs.append(f"{name}: specialist does not work in the account's territory")
    load = np.bincount(s, minlength=data.n_specialists)
    for sp in np.flatnonzero(load > data.specialist_capacity):
        errs.append(
            f"specialist {data.specialist_ids[sp]} has {load[sp]} accounts, "
            f"capacity {data.specialist_capacity[sp]}"
        )
    return errs


def _track_share(data: ProblemData, alloc: Allocation) -> list[str]:
    """Each track's share of the assigned whitespace meets its minimum."""
    assigned = alloc.partner >= 0
    ws = data.account_total_whitespace
    total = float(ws[assigned].sum())
    errs = []
    for t, share in enumerate(data.policy.min_track_share):
        if share <= 0:
            continue
        mine = assigned & (data.partner_track[np.maximum(alloc.partner, 0)] == t)
        got = float(ws[mine].sum())
        if got < share * total - TOL * max(1.0, total):
            errs.append(f"{TRACKS[t]} share {got / total:.4f} is below the minimum {share:g}")
    return errs


RULES = (
    _eligibility,
    _forbids,
    _tier_floor,
    _pins,
    _cover,
    _capacity,
    _max_accounts,
    _specialists,
    _track_share,
)


def validate(data: ProblemData, alloc: Allocation) -> list[str]:
    """Every broken rule of ``alloc`` as a message; an empty list means the allocation is valid."""
    errs = _shape(data, alloc)
    if errs:
        return errs
    for rule in RULES:
        errs.extend(rule(data, alloc))
    return errs
