"""The greedy baseline: best pair first within capacity, then best specialist slot first.

Every solve is compared with it. It honours eligibility, forbids, tier floor, pins, partner and
specialist capacity and the account limit; it does not chase must-cover or track shares, so its
allocation may break those two rules (``validate`` says which).
"""

from __future__ import annotations

import numpy as np

from solver.problem import ProblemData
from solver.result import Allocation
from solver.space import Space, build_space

CHUNK = 1 << 16
BATCH = 1 << 17  # first batch of pairs sorted by fill_partners; doubles each batch


def fill_partners(
    space: Space,
    start: np.ndarray | None = None,
    priority: np.ndarray | None = None,
    pairs: np.ndarray | None = None,
) -> np.ndarray:
    """Partner per account, best pair first (pins first), within capacity and account limit.

    Accounts already placed in ``start`` stay and use their capacity; the others are filled in.
    ``priority`` (per pair, default its value) orders the pairs, e.g. value minus the priced
    capacity it uses; ``pairs`` limits the pairs considered. Ties keep the order of ``pairs``
    (default: pair index). The result is that of one scan over all pairs sorted by priority,
    but only the best batch of the pairs still open is sorted at a time: between batches the
    pairs whose account is placed or whose partner has no room left are dropped, and at 50,000
    accounts most of the 6.9 M pairs go that way unsorted (capacity binds early).
    """
    d = space.data
    chosen = np.full(d.n_accounts, -1, np.int64) if start is None else start.copy()
    placed = np.flatnonzero(chosen >= 0)
    k0 = d.pair_index(placed, chosen[placed])
    cap = d.partner_capacity - np.bincount(
        chosen[placed], weights=d.pair_effort[k0], minlength=d.n_partners
    )
    limit = d.policy.max_accounts_per_partner
    left = np.full(d.n_partners, limit if limit is not None else d.n_accounts + 1, np.int64)
    left -= np.bincount(chosen[placed], minlength=d.n_partners)
    ks = space.cand if pairs is None else np.asarray(pairs, np.int64)
    # per account: 0 placed, 1 open and worth a pair whatever its value (a specialist slot,
    # must-cover), 2 open and worth a pair of positive value, 3 pinned and open
    kind = np.where(np.diff(space.slot_start) > 0, 1, 2).astype(np.int8)
    if d.policy.must_cover:
        kind[:] = 1
    kind[d.policy.pins >= 0] = 3
    kind[chosen >= 0] = 0
    c = kind[d.pair_account[ks]]
    value = space.coef[ks]
    neg = -(value if priority is None else priority[ks])
    state = _Fill(chosen, cap, left)
    for group in (c == 3, (c == 1) | ((c == 2) & (value > 0))):
        state.run(space, ks[group], neg[group])
    return chosen


class _Fill:
    """Capacity, account limit and choice while sorted pairs are taken in order."""

    def __init__(self, chosen: np.ndarray, cap: np.ndarray, left: np.ndarray) -> None:
        self.chosen, self.cap, self.left = chosen, cap, left

    def open(self, space: Space, ks: np.ndarray) -> np.ndarray:
        """Mask of the pairs that could still be taken: account free, room at the partner."""
        d = space.data
        part = d.pair_partner[ks]
        return (  # type: ignore[no-any-return]
            (self.chosen[d.pair_account[ks]] < 0)
            & (self.left[part] > 0)
            & (d.pair_effort[ks] <= self.cap[part] + 1e-9)
        )

    def run(self, space: Space, ks: np.ndarray, neg: np.ndarray) -> None:
        """Take ``ks`` lowest ``neg`` (negated priority) first, ties in the given order, batch
        by batch: every pair at or below the batch's threshold, sorted, then the open rest."""
        size = BATCH
        while len(ks) > size:
            cut = np.partition(neg, size - 1)[size - 1]
            top = neg <= cut
            self.scan(space, ks[top][np.argsort(neg[top], kind="stable")])
            rest = ~top & self.open(space, ks)
            ks, neg = ks[rest], neg[rest]
            size *= 2
        self.scan(space, ks[np.argsort(neg, kind="stable")])

    def scan(self, space: Space, ks: np.ndarray) -> None:
        """Take sorted pairs in order where they fit; numpy drops the hopeless ones per chunk."""
        d = space.data
        chosen, cap, left = self.chosen, self.cap, self.left
        for lo in range(0, len(ks), CHUNK):
            k = ks[lo : lo + CHUNK]
            k = k[self.open(space, k)]
            acc, part, eff = d.pair_account[k], d.pair_partner[k], d.pair_effort[k]
            for a, p, e in zip(acc.tolist(), part.tolist(), eff.tolist(), strict=True):
                if chosen[a] >= 0 or left[p] <= 0 or e > cap[p] + 1e-9:
                    continue
                chosen[a] = p
                cap[p] -= e
                left[p] -= 1


def assign_specialists(space: Space, partner: np.ndarray) -> np.ndarray:
    """Best slot first for a fixed partner choice, within specialist capacity."""
    d = space.data
    spec = np.full((d.n_accounts, d.n_lines), -1, np.int64)
    accounts = np.flatnonzero(partner >= 0)
    slots = space.slots_of(accounts)
    if len(slots) == 0:
        return spec
    acc = space.slot_account[slots]
    pairs = d.pair_index(acc, partner[acc])
    gain = space.gain(pairs, slots)
    order = np.argsort(-gain, kind="stable")
    cap = d.specialist_capacity.tolist()
    taken: set[tuple[int, int]] = set()
    lines = d.specialist_line[space.slot_spec[slots]]
    for j, g in zip(order.tolist(), gain[order].tolist(), strict=True):
        if g <= 0:
            break
        s = int(space.slot_spec[slots[j]])
        key = (int(acc[j]), int(lines[j]))
        if cap[s] <= 0 or key in taken:
            continue
        cap[s] -= 1
        taken.add(key)
        spec[key] = s
    return spec


def greedy_space(space: Space) -> Allocation:
    """Greedy allocation on a prepared decision space."""
    partner = fill_partners(space)
    return Allocation(partner, assign_specialists(space, partner))


def greedy(data: ProblemData) -> Allocation:
    """Best pair first within capacity: the baseline every solve is compared with."""
    return greedy_space(build_space(data))
