"""Explanations a planner needs to trust an allocation.

* next-best partner of an assigned account: the allowed partner other than the chosen one with
  the highest ``E`` (best specialists of the territory, ignoring their capacity, plus the
  stickiness it would save); ``regret`` is the revenue of the account as allocated minus that
  alternative's revenue: what moving the account would lose (negative when the alternative is
  better but has no room);
* why an unassigned account is unassigned: no eligible partner, every allowed partner full,
  or not worth it under the policies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.objective import account_revenue
from solver.problem import FloatArray, IntArray
from solver.result import Allocation
from solver.space import Space

CHUNK = 4096


def best_pair_value(space: Space, pairs_owner: IntArray) -> FloatArray:
    """E(a, p) with the best specialist per line for every allowed pair of the given accounts."""
    d = space.data
    pairs = space.cand_of(pairs_owner)
    value = d.pair_value[pairs].copy()
    pos = np.searchsorted(pairs, pairs)  # pairs are sorted: identity lookups
    for lo in range(0, len(pairs_owner), CHUNK):
        pk, sj = space.cross(pairs_owner[lo : lo + CHUNK])
        if len(pk) == 0:
            continue
        gain = space.gain(pk, sj)
        line = d.specialist_line[space.slot_spec[sj]]
        key = pk * d.n_lines + line
        order = np.lexsort((-gain, key))
        first = np.concatenate([[True], np.diff(key[order]) != 0])
        best = order[first]
        np.add.at(value, pos[np.searchsorted(pairs, pk[best])], gain[best])
    return value


@dataclass(frozen=True, eq=False)
class Explanation:
    """Per-account explanation arrays (indices; ``solver.io`` maps them to ids)."""

    revenue: FloatArray
    next_best: IntArray  # partner index or -1
    regret: FloatArray  # nan where no alternative
    reason: list[str]  # per account, "" when assigned


def _reasons(space: Space, alloc: Allocation) -> list[str]:
    d = space.data
    reasons = [""] * d.n_accounts
    a_ok = np.flatnonzero(alloc.partner >= 0)
    k = d.pair_index(a_ok, alloc.partner[a_ok])
    load = np.bincount(
        alloc.partner[a_ok], weights=d.pair_effort[np.maximum(k, 0)], minlength=d.n_partners
    )
    room = d.partner_capacity - load
    limit = d.policy.max_accounts_per_partner
    count = np.bincount(alloc.partner[a_ok], minlength=d.n_partners)
    for a in np.flatnonzero(alloc.partner < 0).tolist():
        ks = space.cand[space.cand_start[a] : space.cand_start[a + 1]]
        if d.account_start[a + 1] == d.account_start[a]:
            reasons[a] = "no eligible partner"
        elif len(ks) == 0:
            reasons[a] = "no partner allowed by the policies (forbids, tier floor)"
        else:
            p = d.pair_partner[ks]
            fits = d.pair_effort[ks] <= room[p] + 1e-9
            if limit is not None:
                fits &= count[p] < limit
            reasons[a] = "not worth it under the policies" if fits.any() else "capacity"
    return reasons


def explain(space: Space, alloc: Allocation) -> Explanation:
    """Revenue, next-best partner, regret and unassigned reasons for every account."""
    d = space.data
    revenue = account_revenue(d, alloc)
    accounts = np.arange(d.n_accounts, dtype=np.int64)
    pairs = space.cand_of(accounts)
    value = best_pair_value(space, accounts)
    acc = d.pair_account[pairs]
    chosen = d.pair_partner[pairs] == alloc.partner[acc]
    score = np.where(chosen, -np.inf, value)
    next_best = np.full(d.n_accounts, -1, np.int64)
    regret = np.full(d.n_accounts, np.nan)
    if len(pairs):
        order = np.lexsort((-score, acc))
        first = np.concatenate([[True], np.diff(acc[order]) != 0])
        top = order[first & np.isfinite(score[order])]
        has = alloc.partner[acc[top]] >= 0
        top = top[has]
        next_best[acc[top]] = d.pair_partner[pairs[top]]
        regret[acc[top]] = revenue[acc[top]] - value[top]
    return Explanation(revenue, next_best, regret, _reasons(space, alloc))
