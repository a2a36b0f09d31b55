"""CP-SAT model over a set of free accounts, the rest of the allocation held fixed.

With every account free this is the full exact model; with a few hundred free it is an LNS
neighbourhood or a repair step. Built at proto level from numpy arrays (one Python call per
constraint, never per term), one small function per rule:

* x[k]  pair k chosen (allowed pairs of free accounts);
* y[j]  specialist slot j used; g[j] its gain when the gain depends on the partner:
  g <= max_gain * y and g <= sum_k gain(k, j) x[k]  (exact for integer x, y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.cpsat.scaling import Scaling
from solver.problem import BoolArray, IntArray
from solver.result import Allocation
from solver.space import Space

LOW = -(2**62)
HIGH = 2**62
SHARE_UNIT = 10_000


@dataclass(frozen=True, eq=False)
class SubModel:
    """A built CP-SAT model and the maps from its variables back to pairs and slots."""

    model: cp_model.CpModel
    space: Space
    free: IntArray
    base: Allocation
    scaling: Scaling
    x_pair: IntArray
    y_slot: IntArray
    g_of_y: IntArray  # y positions that carry a g variable, in g order
    n_terms: int  # number of floored objective terms that can be chosen together

    @property
    def n_x(self) -> int:
        """Number of pair variables."""
        return len(self.x_pair)


def _linear(proto: object, vars_: list[int], coeffs: list[int], lo: int, hi: int) -> None:
    c = proto.constraints.add()  # type: ignore[attr-defined]
    c.linear.vars.extend(vars_)
    c.linear.coeffs.extend(coeffs)
    c.linear.domain.extend([lo, hi])


def _groups(keys: IntArray) -> list[tuple[int, IntArray]]:
    """(key, positions) for each distinct key."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    cuts = np.flatnonzero(np.diff(sk)) + 1
    return [(int(sk[g[0]]), order[g]) for g in np.split(np.arange(len(sk)), cuts)]


def _fixed_pairs(space: Space, base: Allocation, fixed: BoolArray) -> IntArray:
    d = space.data
    acc = np.flatnonzero(fixed & (base.partner >= 0))
    k = d.pair_index(acc, base.partner[acc])
    return k[k >= 0]


def _accounts(proto: object, free: IntArray, x_acc: IntArray, space: Space) -> None:
    """One partner at most per free account; exactly one under must-cover or a pin."""
    pol = space.data.policy
    must = pol.must_cover | (pol.pins[free] >= 0)
    starts = np.searchsorted(x_acc, np.arange(len(free) + 1))
    for i in range(len(free)):
        lits = list(range(int(starts[i]), int(starts[i + 1])))
        c = proto.constraints.add()  # type: ignore[attr-defined]
        (c.exactly_one if must[i] else c.at_most_one).literals.extend(lits)


def _capacity(
    proto: object, sub_pairs: IntArray, space: Space, sc: Scaling, fixed_k: IntArray
) -> None:
    """Partner capacity: effort of free pairs within what the fixed accounts leave."""
    d = space.data
    cap = sc.capacities(d.partner_capacity)
    used = np.bincount(
        d.pair_partner[fixed_k], weights=sc.efforts(d.pair_effort[fixed_k]), minlength=d.n_partners
    ).astype(np.int64)
    eff = sc.efforts(d.pair_effort[sub_pairs])
    for p, pos in _groups(d.pair_partner[sub_pairs]):
        e = eff[pos]
        room = int(cap[p] - used[p])
        if int(e.sum()) <= room:
            continue
        _linear(proto, pos.tolist(), e.tolist(), 0 if room >= 0 else LOW, room)


def _max_accounts(proto: object, sub_pairs: IntArray, space: Space, fixed_k: IntArray) -> None:
    """At most the policy's number of accounts per partner."""
    d = space.data
    limit = d.policy.max_accounts_per_partner
    if limit is None:
        return
    used = np.bincount(d.pair_partner[fixed_k], minlength=d.n_partners)
    for p, pos in _groups(d.pair_partner[sub_pairs]):
        room = int(limit - used[p])
        if len(pos) > room:
            _linear(proto, pos.tolist(), [1] * len(pos), LOW, room)


def _track_share(proto: object, sub_pairs: IntArray, space: Space, fixed_k: IntArray) -> None:
    """Each track's share of assigned whitespace, rounded up to 1/10000 to stay conservative."""
    d = space.data
    w = d.account_total_whitespace
    wmax = float(w.max(initial=1.0))
    w_scale = min(1.0, 2.0**58 / (SHARE_UNIT * max(d.n_accounts, 1) * max(wmax, 1.0)))
    wi = np.round(w * w_scale).astype(np.int64)
    for t, share in enumerate(d.policy.min_track_share):
        if share <= 0:
            continue
        sh = min(SHARE_UNIT, int(np.floor(share * SHARE_UNIT)) + 1)

        def coef(k: IntArray, t: int = t, sh: int = sh) -> IntArray:
            mine = d.partner_track[d.pair_partner[k]] == t
            return np.asarray((mine * SHARE_UNIT - sh) * wi[d.pair_account[k]], np.int64)

        fixed = int(coef(fixed_k).sum())
        _linear(proto, list(range(len(sub_pairs))), coef(sub_pairs).tolist(), -fixed, HIGH)


def _slots(
    proto: object,
    space: Space,
    sc: Scaling,
    free: IntArray,
    sub_pairs: IntArray,
    base: Allocation,
    fixed: BoolArray,
    obj: list[tuple[int, int]],
) -> tuple[IntArray, IntArray]:
    """Specialist slots: one per line and account with a partner, capacity, exact gain."""
    pk, sj = space.cross(free)
    inside = np.isin(pk, sub_pairs)
    pk, sj = pk[inside], sj[inside]
    if len(sj) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gain = sc.values(space.gain(pk, sj))
    order = np.lexsort((pk, sj))
    pk, sj, gain = pk[order], sj[order], gain[order]
    cuts = np.flatnonzero(np.diff(sj)) + 1
    heads = np.concatenate([[0], cuts])
    slots = sj[heads]
    gmax = np.maximum.reduceat(gain, heads)
    gmin = np.minimum.reduceat(gain, heads)
    keep = gmax > 0
    slots, gmax, gmin = slots[keep], gmax[keep], gmin[keep]
    n_x = len(sub_pairs)
    x_of_pair = {int(k): i for i, k in enumerate(sub_pairs.tolist())}
    y0 = n_x
    for _ in range(len(slots)):
        v = proto.variables.add()  # type: ignore[attr-defined]
        v.domain.extend([0, 1])
    varying = np.flatnonzero(gmin < gmax)
    g0 = y0 + len(slots)
    seg = np.searchsorted(sj, slots)
    seg_end = np.searchsorted(sj, slots, side="right")
    for n, i in enumerate(varying.tolist()):
        v = proto.variables.add()  # type: ignore[attr-defined]
        v.domain.extend([0, int(gmax[i])])
        g = g0 + n
        _linear(proto, [g, y0 + i], [1, -int(gmax[i])], LOW, 0)
        ks = pk[seg[i] : seg_end[i]].tolist()
        gs = gain[seg[i] : seg_end[i]].tolist()
        _linear(proto, [g] + [x_of_pair[k] for k in ks], [1] + [-x for x in gs], LOW, 0)
        obj.append((g, 1))
    const = np.setdiff1d(np.arange(len(slots)), varying)
    obj.extend(zip((y0 + const).tolist(), gmin[const].tolist(), strict=True))
    _slot_links(proto, space, slots, y0, sub_pairs)
    _specialist_capacity(proto, space, slots, y0, base, fixed)
    return slots, varying


def _slot_links(proto: object, space: Space, slots: IntArray, y0: int, sub_pairs: IntArray) -> None:
    """At most one specialist per account and line, and only when the account has a partner."""
    d = space.data
    acc = space.slot_account[slots]
    line = d.specialist_line[space.slot_spec[slots]]
    x_acc = d.pair_account[sub_pairs]
    for _key, pos in _groups(acc * d.n_lines + line):
        a = int(acc[pos[0]])
        lo, hi = np.searchsorted(x_acc, [a, a + 1])
        xs = list(range(int(lo), int(hi)))
        ys = (y0 + pos).tolist()
        _linear(proto, ys + xs, [1] * len(ys) + [-1] * len(xs), LOW, 0)


def _specialist_capacity(
    proto: object, space: Space, slots: IntArray, y0: int, base: Allocation, fixed: BoolArray
) -> None:
    """Each specialist serves at most its capacity of accounts, fixed ones included."""
    d = space.data
    held = base.specialist[fixed]
    used = np.bincount(held[held >= 0], minlength=d.n_specialists)
    spec = space.slot_spec[slots]
    for s, pos in _groups(spec):
        room = int(d.specialist_capacity[s] - used[s])
        if len(pos) > room:
            _linear(proto, (y0 + pos).tolist(), [1] * len(pos), LOW, room)


def _restrict(
    space: Space, pairs: IntArray, base: Allocation, keep: int, focus: IntArray | None
) -> IntArray:
    """Each account's ``keep`` best pairs by value, its pair in ``base`` and its pairs with the
    ``focus`` partners (a heuristic cut: the neighbourhood's partners stay reachable)."""
    d = space.data
    acc = d.pair_account[pairs]
    order = np.lexsort((-space.coef[pairs], acc))
    first = np.searchsorted(acc[order], acc[order])
    rank = np.arange(len(order)) - first
    mine = base.partner[acc[order]] == d.pair_partner[pairs[order]]
    if focus is not None:
        mine |= np.isin(d.pair_partner[pairs[order]], focus)
    return np.sort(pairs[order[(rank < keep) | mine]])


def build(
    space: Space,
    sc: Scaling,
    free: IntArray,
    base: Allocation,
    keep: int | None = None,
    focus: IntArray | None = None,
) -> SubModel:
    """The CP-SAT model where ``free`` accounts are decided and all others keep ``base``.

    ``keep`` limits each free account to its best pairs (plus its current one): the model is
    then a restriction, still exact on what it contains.
    """
    d = space.data
    model = cp_model.CpModel()
    proto = model.proto
    free = np.sort(free.astype(np.int64))
    fixed = np.ones(d.n_accounts, bool)
    fixed[free] = False
    fixed_k = _fixed_pairs(space, base, fixed)
    sub_pairs = space.cand_of(free)
    if keep is not None and len(sub_pairs) > keep * len(free):
        sub_pairs = _restrict(space, sub_pairs, base, keep, focus)
    for _ in range(len(sub_pairs)):
        v = proto.variables.add()
        v.domain.extend([0, 1])
    x_acc_local = np.searchsorted(free, d.pair_account[sub_pairs])
    _accounts(proto, free, x_acc_local, space)
    _capacity(proto, sub_pairs, space, sc, fixed_k)
    _max_accounts(proto, sub_pairs, space, fixed_k)
    _track_share(proto, sub_pairs, space, fixed_k)
    obj: list[tuple[int, int]] = list(enumerate(sc.values(space.coef[sub_pairs]).tolist()))
    slots, varying = _slots(proto, space, sc, free, sub_pairs, base, fixed, obj)
    obj = [(v, c) for v, c in obj if c != 0]
    proto.objective.vars.extend([v for v, _ in obj])
    proto.objective.coeffs.extend([-c for _, c in obj])
    proto.objective.scaling_factor = -1.0
    return SubModel(
        model, space, free, base, sc, sub_pairs, slots, varying, n_terms=len(free) * (1 + d.n_lines)
    )


def set_hint(sub: SubModel, alloc: Allocation) -> None:
    """Warm start from an allocation (old hints are cleared first)."""
    d = sub.space.data
    proto = sub.model.proto
    proto.clear_solution_hint()
    x = (alloc.partner[d.pair_account[sub.x_pair]] == d.pair_partner[sub.x_pair]).astype(int)
    acc = sub.space.slot_account[sub.y_slot]
    spec = sub.space.slot_spec[sub.y_slot]
    line = d.specialist_line[spec]
    y = (alloc.specialist[acc, line] == spec) & (alloc.partner[acc] >= 0)
    y = y.astype(int)
    vals = np.concatenate([x, y]).tolist()
    if len(sub.g_of_y):
        pos = sub.g_of_y
        k = d.pair_index(acc[pos], alloc.partner[acc[pos]])
        g = np.zeros(len(pos), np.int64)
        ok = (k >= 0) & (y[pos] == 1)
        sc_gain = sub.space.gain(np.maximum(k, 0), sub.y_slot[pos])
        g[ok] = sub.scaling.values(sc_gain[ok])
        vals += g.tolist()
    proto.solution_hint.vars.extend(range(len(vals)))
    proto.solution_hint.values.extend(vals)


def extract(sub: SubModel, solution: list[int]) -> Allocation:
    """The allocation given by a CP-SAT solution: free accounts decided, others from base."""
    d = sub.space.data
    sol = np.asarray(solution, dtype=np.int64)
    out = sub.base.copy()
    out.partner[sub.free] = -1
    out.specialist[sub.free] = -1
    xs = np.flatnonzero(sol[: sub.n_x] > 0)
    k = sub.x_pair[xs]
    out.partner[d.pair_account[k]] = d.pair_partner[k]
    ys = np.flatnonzero(sol[sub.n_x : sub.n_x + len(sub.y_slot)] > 0)
    j = sub.y_slot[ys]
    spec = sub.space.slot_spec[j]
    out.specialist[sub.space.slot_account[j], d.specialist_line[spec]] = spec
    return out
