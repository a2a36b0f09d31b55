"""The decision space shared by every strategy: allowed pairs, specialist slots, coefficients.

Computed once per solve from ``ProblemData`` with numpy only:

* allowed pairs: territory-eligible, not forbidden, tier floor respected, and for a pinned
  account only its pinned pair;
* ``coef[k]``: the pair's value plus the stickiness it saves (staying with the incumbent avoids
  ``stickiness x whitespace``), so the objective is ``constant + sum coef x + specialist gains``;
* specialist slots (account, specialist): the specialist works in the account's territory, on a
  line where the account has whitespace. The gain of slot j on pair k is
  ``ws(a, l) * min(lift(s), 1 - rate(p, l))`` and depends on the partner: kept exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from solver.problem import BoolArray, FloatArray, IntArray, ProblemData


def _csr(keys: IntArray, n: int) -> IntArray:
    """Start offsets of each key 0..n-1 in a sorted key array."""
    return np.searchsorted(keys, np.arange(n + 1)).astype(np.int64)


def ragged(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenation of ranges starts[i] .. starts[i] + counts[i]."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + np.arange(total, dtype=np.int64) - first


@dataclass(frozen=True, eq=False)
class Space:
    """Allowed pairs and specialist slots with their objective coefficients."""

    data: ProblemData
    allowed: BoolArray
    cand: IntArray  # allowed pair indices, sorted by account
    cand_start: IntArray  # [A + 1] CSR into cand
    coef: FloatArray  # [K] over all pairs
    constant: float
    slot_account: IntArray  # [J] sorted by account
    slot_spec: IntArray
    slot_start: IntArray  # [A + 1]
    slot_max_gain: FloatArray  # ws * lift: the gain when the partner is weak enough

    @property
    def n_slots(self) -> int:
        """Number of (account, specialist) slots."""
        return len(self.slot_account)

    def cand_of(self, accounts: IntArray) -> IntArray:
        """Allowed pair indices of the given accounts, grouped by account in the given order."""
        counts = self.cand_start[accounts + 1] - self.cand_start[accounts]
        return self.cand[ragged(self.cand_start[accounts], counts)]

    def slots_of(self, accounts: IntArray) -> IntArray:
        """Slot indices of the given accounts, grouped by account in the given order."""
        counts = self.slot_start[accounts + 1] - self.slot_start[accounts]
        return ragged(self.slot_start[accounts], counts)

    def ranked(self, score: FloatArray) -> tuple[IntArray, IntArray]:
        """Allowed pairs ordered by account, best ``score`` first, and each one's rank within
        its account (0 = best); two flat sorts instead of a lexsort, for millions of pairs."""
        k = self.cand
        n = len(k)
        order = np.argsort(-score[k], kind="stable")
        pos = np.empty(n, np.int64)
        pos[order] = np.arange(n, dtype=np.int64)
        acc = self.data.pair_account[k]
        by_acc = np.argsort(acc * n + pos)
        rank = np.arange(n, dtype=np.int64) - self.cand_start[acc[by_acc]]
        return k[by_acc], rank

    def within(self, allowed: BoolArray) -> Space:
        """This space cut to the pairs it allows that ``allowed`` (a mask over every pair)
        keeps: the smaller spaces that reduced-cost fixing and the focused tabu search use."""
        mask = allowed & self.allowed
        cand = np.flatnonzero(mask).astype(np.int64)
        start = _csr(self.data.pair_account[cand], self.data.n_accounts)
        return replace(self, allowed=mask, cand=cand, cand_start=start)

    def gain(self, pairs: IntArray, slots: IntArray) -> FloatArray:
        """Gain of slot j when its account goes to the partner of pair k (same account)."""
        d = self.data
        s = self.slot_spec[slots]
        line = d.specialist_line[s]
        rate = d.partner_rates[d.pair_partner[pairs], line]
        ws = d.whitespace[self.slot_account[slots], line]
        return np.asarray(ws * np.minimum(d.specialist_lift[s], 1.0 - rate), dtype=np.float64)

    def cross(self, accounts: IntArray) -> tuple[IntArray, IntArray]:
        """All (allowed pair, slot) combinations of the same account, for the given accounts."""
        n_pair = self.cand_start[accounts + 1] - self.cand_start[accounts]
        n_slot = self.slot_start[accounts + 1] - self.slot_start[accounts]
        reps = n_pair * n_slot
        owner = np.repeat(np.arange(len(accounts)), reps)
        pos = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
        pi = pos // np.maximum(n_slot[owner], 1)
        si = pos % np.maximum(n_slot[owner], 1)
        pairs = self.cand[self.cand_start[accounts][owner] + pi]
        slots = self.slot_start[accounts][owner] + si
        return pairs, slots


def _allowed(data: ProblemData) -> BoolArray:
    """Pair mask after forbids, tier floor and pins."""
    allowed = data.pair_allowed()
    pins = data.policy.pins
    if len(pins) and (pins >= 0).any():
        pinned = pins[data.pair_account]
        allowed &= (pinned < 0) | (pinned == data.pair_partner)
    return allowed


def _slots(data: ProblemData) -> tuple[IntArray, IntArray]:
    """(account, specialist) where the specialist could add revenue to the account."""
    useful = (data.specialist_capacity > 0) & (data.specialist_lift > 0)
    spec = np.flatnonzero(useful)
    order = spec[np.argsort(data.specialist_territory[spec], kind="stable")]
    terr = data.specialist_territory[order]
    start = _csr(terr, len(data.territory_ids))
    at = data.account_territory
    counts = start[at + 1] - start[at]
    acc = np.repeat(np.arange(data.n_accounts, dtype=np.int64), counts)
    sp = order[ragged(start[at], counts)]
    keep = data.whitespace[acc, data.specialist_line[sp]] > 0
    return acc[keep], sp[keep].astype(np.int64)


def build_space(data: ProblemData) -> Space:
    """Prepare the decision space of ``data`` (numpy only, no per-pair Python loops)."""
    allowed = _allowed(data)
    cand = np.flatnonzero(allowed).astype(np.int64)
    w = data.account_total_whitespace
    inc = data.account_incumbent
    stick = data.policy.stickiness
    coef = data.pair_value.copy()
    if stick > 0:
        keep = inc[data.pair_account] == data.pair_partner
        coef[keep] += stick * w[data.pair_account[keep]]
    constant = -stick * float(w[inc >= 0].sum())
    slot_acc, slot_spec = _slots(data)
    line = data.specialist_line[slot_spec]
    max_gain = data.whitespace[slot_acc, line] * data.specialist_lift[slot_spec]
    return Space(
        data=data,
        allowed=allowed,
        cand=cand,
        cand_start=_csr(data.pair_account[cand], data.n_accounts),
        coef=coef,
        constant=constant,
        slot_account=slot_acc,
        slot_spec=slot_spec,
        slot_start=_csr(slot_acc, data.n_accounts),
        slot_max_gain=max_gain,
    )
