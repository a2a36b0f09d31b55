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


def _partners(space: Space) -> list[int]:
    """Partner per account, best pair first (pins first), within capacity and account limit."""
    d = space.data
    cap = d.partner_capacity.tolist()
    limit = d.policy.max_accounts_per_partner
    left = [limit if limit is not None else d.n_accounts + 1] * d.n_partners
    chosen = [-1] * d.n_accounts
    cand = space.cand
    pinned = d.policy.pins[d.pair_account[cand]] >= 0 if d.n_accounts else cand
    has_slot = np.diff(space.slot_start)[d.pair_account[cand]] > 0
    useful = (space.coef[cand] > 0) | has_slot | d.policy.must_cover | pinned
    cand = cand[useful]
    order = np.lexsort((-space.coef[cand], ~(d.policy.pins[d.pair_account[cand]] >= 0)))
    ks = cand[order]
    accs = d.pair_account[ks].tolist()
    parts = d.pair_partner[ks].tolist()
    effs = d.pair_effort[ks].tolist()
    for a, p, e in zip(accs, parts, effs, strict=True):
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
    partner = np.array(_partners(space), dtype=np.int64)
    return Allocation(partner, assign_specialists(space, partner))


def greedy(data: ProblemData) -> Allocation:
    """Best pair first within capacity: the baseline every solve is compared with."""
    return greedy_space(build_space(data))
