"""Explanations a planner needs to trust an allocation.

* next-best partner of an assigned account: the allowed partner other than the chosen one with
  the highest ``E`` (its value plus the best specialist per line of the territory, ignoring
  specialist capacity). ``E`` is computed exactly for the ``SHORTLIST`` most promising partners
  per account by an upper bound (value + the partner-independent specialist ceiling, so by
  value within an account), which keeps it linear at 50,000 accounts; ``shortlist`` does the
  pass over every allowed pair once, before the solve, so explaining after it is cheap;
  ``regret`` is the account's revenue as allocated minus that alternative's ``E``: what moving
  it would lose (negative when the alternative is better but has no room);
* why an unassigned account is unassigned: no eligible partner, no partner allowed by the
  policies, every allowed partner full ("capacity"), or not worth it under the policies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.objective import account_revenue
from solver.problem import FloatArray, IntArray
from solver.prune import promising_pairs
from solver.result import Allocation
from solver.space import Space

SHORTLIST = 4


def pair_revenue(space: Space, pairs: IntArray) -> FloatArray:
    """E(a, p) with the best specialist per line (capacity ignored) for the given pairs."""
    d = space.data
    value = d.pair_value[pairs].copy()
    acc = d.pair_account[pairs]
    n_slot = space.slot_start[acc + 1] - space.slot_start[acc]
    owner = np.repeat(np.arange(len(pairs)), n_slot)
    first = np.repeat(np.cumsum(n_slot) - n_slot, n_slot)
    slots = np.repeat(space.slot_start[acc], n_slot) + np.arange(int(n_slot.sum())) - first
    if len(slots) == 0:
        return value
    gain = space.gain(pairs[owner], slots)
    key = owner * d.n_lines + d.specialist_line[space.slot_spec[slots]]
    best = np.zeros(len(pairs) * max(d.n_lines, 1))
    np.maximum.at(best, key, gain)
    total: FloatArray = value + best.reshape(len(pairs), -1).sum(axis=1)
    return total


@dataclass(frozen=True, eq=False)
class Explanation:
    """Per-account explanation arrays (indices; ``solver.report`` maps them to ids)."""

    revenue: FloatArray
    next_best: IntArray  # partner index or -1
    regret: FloatArray  # nan where no alternative
    reason: list[str]  # per account, "" when assigned


def _reasons(space: Space, alloc: Allocation) -> list[str]:
    """Why each unassigned account is unassigned ("" for assigned ones)."""
    d = space.data
    reasons = [""] * d.n_accounts
    a_ok = np.flatnonzero(alloc.partner >= 0)
    k = d.pair_index(a_ok, alloc.partner[a_ok])
    load = np.bincount(
        alloc.partner[a_ok], weights=d.pair_effort[np.maximum(k, 0)], minlength=d.n_partners
    )
    room = d.partner_capacity - load
    count = np.bincount(alloc.partner[a_ok], minlength=d.n_partners)
    limit = d.policy.max_accounts_per_partner
    left = np.flatnonzero(alloc.partner < 0)
    pairs = space.cand_of(left)
    p = d.pair_partner[pairs]
    fits = d.pair_effort[pairs] <= room[p] + 1e-9
    if limit is not None:
        fits &= count[p] < limit
    any_fit = np.zeros(d.n_accounts, bool)
    any_fit[d.pair_account[pairs[fits]]] = True
    eligible = np.diff(d.account_start) > 0
    allowed = np.diff(space.cand_start) > 0
    for a in left.tolist():
        if not eligible[a]:
            reasons[a] = "no eligible partner"
        elif not allowed[a]:
            reasons[a] = "no partner allowed by the policies (forbids, tier floor)"
        else:
            reasons[a] = "not worth it under the policies" if any_fit[a] else "capacity"
    return reasons


def shortlist(space: Space) -> IntArray:
    """Each account's ``SHORTLIST + 1`` allowed pairs of highest value (sorted pair indices).

    Within an account the upper bound of ``E`` is the pair's value plus a ceiling that does not
    depend on the partner, so these pairs hold the ``SHORTLIST`` best candidates for the
    next-best partner whichever partner the allocation picks (at most one of them is the chosen
    one). The scan over every allowed pair happens here, once per problem: a worker computes it
    before the solve, so that ``explain`` after a solve (or a cancel) only touches these pairs.
    """
    return promising_pairs(space, SHORTLIST + 1, space.data.pair_value)


def _candidates(space: Space, alloc: Allocation, short: IntArray) -> IntArray:
    """Per assigned account, its ``SHORTLIST`` best-valued shortlisted pairs of other partners."""
    d = space.data
    chosen = alloc.partner[d.pair_account[short]]
    short = short[(chosen >= 0) & (d.pair_partner[short] != chosen)]
    acc = d.pair_account[short]
    order = np.lexsort((-d.pair_value[short], acc))
    short, acc = short[order], acc[order]
    if len(short) == 0:
        return short
    head = np.r_[True, acc[1:] != acc[:-1]]
    first = np.maximum.accumulate(np.where(head, np.arange(len(acc)), 0))
    rank = np.arange(len(acc)) - first
    return np.sort(short[rank < SHORTLIST])


def explain(space: Space, alloc: Allocation, short: IntArray | None = None) -> Explanation:
    """Revenue, next-best partner, regret and unassigned reasons for every account.

    ``short`` is ``shortlist(space)`` when the caller computed it in advance (same result,
    without the pass over every allowed pair).
    """
    d = space.data
    revenue = account_revenue(d, alloc)
    short_pairs = _candidates(space, alloc, shortlist(space) if short is None else short)
    exact = pair_revenue(space, short_pairs)
    next_best = np.full(d.n_accounts, -1, np.int64)
    regret = np.full(d.n_accounts, np.nan)
    if len(short_pairs):
        sacc = d.pair_account[short_pairs]
        pick = np.lexsort((-exact, sacc))
        head = pick[np.r_[True, np.diff(sacc[pick]) != 0]]
        next_best[sacc[head]] = d.pair_partner[short_pairs[head]]
        regret[sacc[head]] = revenue[sacc[head]] - exact[head]
    return Explanation(revenue, next_best, regret, _reasons(space, alloc))
