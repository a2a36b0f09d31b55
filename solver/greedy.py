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


def fill_partners(
    space: Space,
    start: np.ndarray | None = None,
    priority: np.ndarray | None = None,
    pairs: np.ndarray | None = None,
) -> np.ndarray:
    """Partner per account, best pair first (pins first), within capacity and account limit.

    Accounts already placed in ``start`` stay and use their capacity; the others are filled in.
    ``priority`` (per pair, default its value) orders the pairs, e.g. value minus the priced
    capacity it uses; ``pairs`` limits the pairs considered. Sorted pairs are scanned in chunks;
    each chunk first drops, with numpy, pairs whose account is placed or whose partner is full.
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
    if priority is None and pairs is None:
        ks = space.coef_order
    else:
        ks = space.cand if pairs is None else pairs
        score = space.coef[ks] if priority is None else priority[ks]
        ks = ks[np.argsort(-score, kind="stable")]
    ks = ks[chosen[d.pair_account[ks]] < 0]
    pinned = d.policy.pins[d.pair_account[ks]] >= 0
    has_slot = np.diff(space.slot_start)[d.pair_account[ks]] > 0
    useful = (space.coef[ks] > 0) | has_slot | d.policy.must_cover | pinned
    ks = np.concatenate([ks[useful & pinned], ks[useful & ~pinned]])
    for lo in range(0, len(ks), CHUNK):
        k = ks[lo : lo + CHUNK]
        acc, part, eff = d.pair_account[k], d.pair_partner[k], d.pair_effort[k]
        ok = (chosen[acc] < 0) & (left[part] > 0) & (eff <= cap[part] + 1e-9)
        for a, p, e in zip(acc[ok].tolist(), part[ok].tolist(), eff[ok].tolist(), strict=True):
            if chosen[a] >= 0 or left[p] <= 0 or e > cap[p] + 1e-9:
                continue
            chosen[a] = p
            cap[p] -= e
            left[p] -= 1
    return chosen


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
