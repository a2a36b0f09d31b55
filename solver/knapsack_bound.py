"""A proven upper bound from the knapsack Lagrangian relaxation: partner capacity kept whole.

``solver.bound`` dualises partner capacity, which leaves one choice per account and gives the
LP bound at best. This relaxation keeps capacity and dualises the account rows instead:
``sum_i x_ij <= 1`` (``= 1`` when the account must be covered or is pinned; a pinned account's
only allowed pair is its pin) with multipliers ``u_j`` (``u_j >= 0`` for the inequalities, free
for the equalities). The rows that couple accounts in other ways are dualised with fixed
multipliers from the LP (``solver.bound.reduced_pair_values``): specialist capacity (``nu``),
the account limit (``mu``) and the track shares (``tau``). Each pair then carries its own value,
the best specialist per line at the price ``nu`` included (as if each pair had its own
specialist slots: a relaxation of the exact model), and what is left is one 0-1 knapsack per
partner i::

    L(u) = constant + nu.cap_s + mu.limit + sum_j u_j
           + sum_i max { sum_j (r_ij - u_j) x_ij : sum_j w_ij x_ij <= cap_i }

over its allowed pairs (items with ``r_ij - u_j <= 0`` are never taken). Every ``L(u)`` bounds
every allocation (weak duality), whatever the multipliers; at the LP's account duals it is at
most the LP bound, because each knapsack is solved in integers, and usually well below it:

* GAP (pair-separable problems, no LP multipliers needed) d20100, cost terms: LP 6160,
  CP-SAT 6162, this 6175.7, best known 6185;
* the 5,000-account synthetic channel (heavy-tailed workloads): LP 31.064e9, this 30.915e9 at
  the LP's duals and 30.760e9 after 600 plain or about 300 deflected subgradient steps
  (5 ms each), where HiGHS proves 30.758e9 after 60-90 s (bench/RESULTS.md).

The knapsacks are solved by dynamic programming over integer capacities, so efforts and
capacities are scaled per partner by ``s_i`` (at most ``CAP_MAX`` units of capacity) and
rounded: efforts down, ``floor(s_i w + EPS)``, capacities up to the validator's tolerance and
``floor(s_i cap_i + (n_i + 1) EPS)``. Any set of pairs that fits the true capacity fits the
rounded one (a sum of floors is at most the floor of the sum), so each rounded knapsack is a
relaxation of the true one and the bound stays valid; with integer efforts and capacities up
to ``CAP_MAX`` it is exact. Of a partner's items of one rounded weight at most ``cap_i // w``
fit, so only that many of them, the most profitable at the multipliers, go into its DP
(``Knapsacks``): the optimum is the same, and the choices too unless several loads share it.
The multipliers ``u`` are improved by subgradient steps (Polyak
steps towards the incumbent's objective along deflected subgradients, halved when the bound
stalls), starting from the LP's account duals when capacity prices are given
(``u_j = max_i (r_ij - lambda_i w_ij)``, which starts at or below the LP bound), else from each
account's second-best value.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.bound import reduced_pair_values
from solver.compiled import jit
from solver.lp import LPResult
from solver.problem import BoolArray, FloatArray, IntArray
from solver.separable import CAP_MAX, DP_BUDGET, applies, knapsack_capacities
from solver.space import Space
from solver.validate import TOL

EPS = 1e-7  # efforts are floored after adding this; capacities get (n + 1) of it back
ITERATIONS = 300
# deflected subgradients (Camerini, Fratta and Maffioli 1975): where the new subgradient turns
# back against the last step's direction d, the step goes along g - DEFLECT (g.d / d.d) d, which
# zig-zags less. A plain share of the last direction added every time (0.7 d) ran away on a
# small must-cover instance (multipliers near -2e16, where the float sum loses the bound)
DEFLECT = 1.5
SUM_MAX = 1e6  # multipliers summing to more than this times the bound: their bound is not kept
STALL = 20  # evaluations without a better bound before the step factor halves
MIN_FACTOR = 1e-4
# DP cells per evaluation from which the knapsacks are shared among threads (``Knapsacks.lanes``)
LANE_MIN_CELLS = 200_000


@dataclass(frozen=True)
class KnapsackBound:
    """The best bound found (objective terms, constant included), its multipliers, and the pairs
    the knapsacks take at those multipliers (an account may be in none, one or several)."""

    bound: float
    u: FloatArray
    iterations: int
    chosen: IntArray


@jit
def _select(members: IntArray, limit: int, profit: FloatArray, item: IntArray, u: FloatArray,
            enter: BoolArray, pv: FloatArray, heap: FloatArray) -> None:  # fmt: skip
    """Of ``members`` (one partner's items of one weight, more than ``limit`` of them: as many
    as fit) only the ``limit`` most profitable can be in an optimal load (any other one could be
    exchanged for an unused better one); ``enter`` is set for those (with positive profit) and
    cleared for the others. ``pv`` (at least ``len(members)``) and ``heap`` (at least
    ``limit``) are work arrays: one pass keeps the ``limit`` largest profits in a min-heap,
    where most items are turned away by one comparison with its root."""
    n = len(members)
    size = 0
    for t in range(n):
        k = members[t]
        p = profit[k] - u[item[k]]
        pv[t] = p
        enter[k] = False
        if p <= 0.0 or (size == limit and p <= heap[0]):
            continue
        if size < limit:  # push, sifting up
            j = size
            size += 1
            while j > 0 and heap[(j - 1) >> 1] > p:
                heap[j] = heap[(j - 1) >> 1]
                j = (j - 1) >> 1
        else:  # replace the root, sifting down
            j = 0
            while 2 * j + 1 < size:
                c = 2 * j + 1
                if c + 1 < size and heap[c + 1] < heap[c]:
                    c += 1
                if heap[c] >= p:
                    break
                heap[j] = heap[c]
                j = c
        heap[j] = p
    cut = heap[0] if size == limit else 0.0  # the limit-th largest, or every positive enters
    room = limit
    for t in range(n):
        if pv[t] > cut:
            enter[members[t]] = True
            room -= 1
    if cut > 0.0:  # profits equal to the cut, as many as there is room for
        for t in range(n):
            if room == 0:
                break
            if pv[t] == cut:
                enter[members[t]] = True
                room -= 1


@jit
def _evaluate(  # one compiled pass over every partner's knapsack
    start: IntArray,
    item: IntArray,
    profit: FloatArray,
    weight: IntArray,
    cap: IntArray,
    u: FloatArray,
    count: IntArray,
    took: BoolArray,
    keep: BoolArray,
    best: FloatArray,
    order: IntArray,
    reach_of: IntArray,
    part: FloatArray,
    crowded: IntArray,
    members: IntArray,
    member_start: IntArray,
    limit: IntArray,
    enter: BoolArray,
    pv: FloatArray,
    heap: FloatArray,
) -> None:
    """Each partner's knapsack optimum with profits ``profit - u[item]`` into ``part[i]``;
    writes in ``count[j]`` how many knapsacks take account j and in ``took[k]`` whether item k
    is taken. Only items with ``enter`` set go into the DP: a partner's crowded weights (groups
    ``crowded[i]:crowded[i + 1]``, each of items ``members[member_start[g]:member_start[g +
    1]]``, more of them than the ``limit[g]`` that fit) are thinned first (``_select``); the
    DP takes the items in item order, so its choices are those of a DP over every item
    wherever the optimal load is unique. ``keep``, ``best``, ``order``, ``reach_of``, ``pv``
    and ``heap`` are work arrays (``keep`` holds the entering items x (cap_i + 1) flags).
    ``start``, ``crowded``, ``cap`` and ``part`` may be a contiguous run of the partners (a
    lane): item and group indices stay global, and only that run's items in ``took`` and
    ``enter`` are written."""
    m = cap.shape[0]
    count[:] = 0
    took[start[0] : start[m]] = False  # only these partners' items: a lane's share
    for i in range(m):
        for g in range(crowded[i], crowded[i + 1]):
            group = members[member_start[g] : member_start[g + 1]]
            _select(group, limit[g], profit, item, u, enter, pv, heap)
        lo, hi = start[i], start[i + 1]
        c_max = cap[i]
        width = c_max + 1
        best[0] = 0.0
        zero = 0.0  # items of no weight: always taken
        r = 0
        reach = 0  # columns above it hold the same value (only the items so far fit)
        for k in range(lo, hi):
            if not enter[k]:
                continue
            p = profit[k] - u[item[k]]
            w = weight[k]
            if p <= 0.0 or w > c_max:
                continue
            if w == 0:
                zero += p
                count[item[k]] += 1
                took[k] = True
                continue
            grown = min(c_max, reach + w)
            for c in range(reach + 1, grown + 1):
                best[c] = best[reach]
            reach = grown
            row = r * width
            for c in range(reach, w - 1, -1):
                v = best[c - w] + p
                if v > best[c]:
                    best[c] = v
                    keep[row + c] = True
                else:
                    keep[row + c] = False
            for c in range(w):
                keep[row + c] = False
            order[r] = k
            reach_of[r] = reach
            r += 1
        part[i] = zero + best[reach]
        c = reach
        for t in range(r - 1, -1, -1):
            # beyond the row's reach the decision is the one at its reach (same values)
            if keep[t * width + min(c, reach_of[t])]:
                k = order[t]
                count[item[k]] += 1
                took[k] = True
                c -= weight[k]


class Knapsacks:
    """The partners' knapsacks in compiled-friendly arrays (items grouped by partner).

    Of a partner's items of one weight ``w`` at most ``cap_i // w`` fit together, so only that
    many of them, the most profitable at the multipliers of the evaluation, can be in an
    optimal load. Where a weight has more items than that (a crowded group), the others are
    kept out of the DP (``_select``). The 50,000-account channel's knapsacks have 6.9 M items
    over capacities of 16 units (median): at most 225,000 of them enter, 20 M DP cells of
    373 M; GAP instances have few crowded groups."""

    def __init__(self, space: Space, value: FloatArray, thin: bool = True) -> None:
        """``value``: each allowed pair's value (``space.cand`` order) before ``u``; without
        ``thin`` every item enters the DP (``bench.knapsack_step`` compares the two)."""
        d = space.data
        k = space.cand
        p = d.pair_partner[k]
        effort = d.pair_effort[k].astype(np.float64)
        m = d.n_partners
        self.n = d.n_accounts
        self.ok = bool((effort >= 0).all() and (d.partner_capacity >= 0).all())
        n_i = np.bincount(p, minlength=m)
        cap, whole = knapsack_capacities(space)
        cap = cap + TOL * np.maximum(1.0, cap)  # what the validator lets through
        scale = np.where(whole, 1.0, CAP_MAX / np.maximum(cap, 1e-300))
        scale = np.where(cap > 0, scale, 1.0)
        weight = np.floor(effort * scale[p] + EPS).astype(np.int64)
        self.cap = np.floor(cap * scale + (n_i + 1) * EPS).astype(np.int64)
        order = np.argsort(p, kind="stable")
        k, p, weight = k[order], p[order], weight[order]
        self.start = np.searchsorted(p, np.arange(m + 1)).astype(np.int64)
        self.item = d.pair_account[k].astype(np.int64)
        self.pair = k  # the pair of each item
        self.profit = value[order].astype(np.float64)
        self.weight = weight
        self.cells = int((n_i * (self.cap + 1)).sum())  # of a DP over every item: the budgets'
        self._crowd(p, m, thin)
        forced = d.policy.must_cover | (d.policy.pins >= 0)
        self.forced = np.broadcast_to(forced, (self.n,)).copy()
        self.has_pair = np.bincount(self.item, minlength=self.n) > 0

    def _crowd(self, p: IntArray, m: int, thin: bool) -> None:
        """The crowded groups (``_evaluate``): each partner's items of one weight of which
        fewer fit its capacity than there are, their members and limits; ``entering`` counts the
        items that may enter each partner's DP."""
        weight = self.weight
        by_weight = np.lexsort((weight, p))
        pw, ww = p[by_weight], weight[by_weight]
        heads = np.flatnonzero(np.r_[True, (pw[1:] != pw[:-1]) | (ww[1:] != ww[:-1])])
        size = np.diff(np.append(heads, len(p)))
        w_g, c_g = ww[heads], self.cap[pw[heads]]
        fits = np.where(w_g > c_g, 0, np.where(w_g > 0, c_g // np.maximum(w_g, 1), size))
        limit = np.minimum(size, fits)
        if not thin:
            limit = np.where(limit > 0, size, 0)
        self.entering = np.bincount(pw[heads], weights=limit, minlength=m).astype(np.int64)
        is_crowded = (limit < size) & (limit > 0)
        crowded = np.flatnonzero(is_crowded)
        self.limit = limit[crowded].astype(np.int64)
        self.crowded = np.searchsorted(pw[heads[crowded]], np.arange(m + 1)).astype(np.int64)
        self.members = by_weight[np.repeat(is_crowded, size)].astype(np.int64)
        self.member_start = np.append(0, np.cumsum(size[crowded])).astype(np.int64)

    def allocate(self) -> None:
        """The DP's work arrays (only once the size is known to be within the budget)."""
        self.count = np.zeros(self.n, np.int64)
        self.took = np.zeros(len(self.item), np.bool_)
        self.enter = np.ones(len(self.item), np.bool_)  # set by the DP in crowded groups only
        self.part = np.zeros(len(self.cap))  # each partner's knapsack optimum
        self._lanes: dict[int, list[_Lane]] = {1: [_Lane(self, 0, len(self.cap), self.count)]}

    def lanes(self, threads: int) -> list[_Lane]:
        """The partners cut into at most ``threads`` contiguous runs of about equal DP work,
        each with its own work arrays (made once per number of threads); one run where the DP
        is too small for threads to pay (``LANE_MIN_CELLS``)."""
        threads = max(1, min(threads, len(self.cap)))
        if threads > 1 and self.cells < LANE_MIN_CELLS:
            threads = 1
        if threads not in self._lanes:
            work = np.cumsum(self.entering * (self.cap + 1))
            cuts = np.searchsorted(work, work[-1] * np.arange(1, threads) / threads)
            ends = [0, *sorted({int(c) + 1 for c in cuts}), len(self.cap)]
            runs = [(lo, hi) for lo, hi in itertools.pairwise(ends) if hi > lo]
            self._lanes[threads] = [_Lane(self, lo, hi, np.zeros(self.n, np.int64))
                                    for lo, hi in runs]  # fmt: skip
        return self._lanes[threads]

    def value(self, u: FloatArray, threads: int = 1) -> float:
        """``L(u)`` without the constant; ``self.count`` holds the knapsacks' choices. With
        ``threads`` the partners' knapsacks are solved in that many runs side by side (the
        kernel releases the GIL): the same value and choices, sooner where a core is free."""
        lanes = self.lanes(threads)
        if len(lanes) == 1:
            lanes[0].evaluate(u)
        else:
            errors: list[BaseException] = []

            def one(t: int) -> None:
                try:
                    lanes[t].evaluate(u)
                except BaseException as exc:  # re-raised in the caller's thread
                    errors.append(exc)

            others = [threading.Thread(target=one, args=(t,)) for t in range(1, len(lanes))]
            for th in others:
                th.start()
            one(0)
            for th in others:
                th.join()
            if errors:
                raise errors[0]
            np.sum([lane.count for lane in lanes], axis=0, out=self.count)
        # one sum over every partner's optimum, in one order whatever the lanes: a different
        # rounding would flip ties among the DP's equal-valued choices and send the
        # subgradient search elsewhere
        return float(u[self.has_pair].sum()) + float(self.part.sum())


class _Lane:
    """One run of partners ``lo:hi`` of ``Knapsacks`` and the DP work arrays it owns (each
    lane's thread needs its own; ``took`` is shared, its items are disjoint by partner)."""

    def __init__(self, ks: Knapsacks, lo: int, hi: int, count: IntArray) -> None:
        self.ks, self.count = ks, count
        self.start = ks.start[lo : hi + 1]
        self.crowded = ks.crowded[lo : hi + 1]
        self.cap = ks.cap[lo:hi]
        self.part = ks.part[lo:hi]
        entering = ks.entering[lo:hi]
        work = int((entering * (self.cap + 1)).max()) if hi > lo else 0
        self.keep = np.zeros(max(work, 1), np.bool_)
        self.best = np.zeros(int(self.cap.max()) + 1 if hi > lo else 1)
        self.order = np.zeros(max(int(entering.max()) if hi > lo else 0, 1), np.int64)
        self.reach = np.zeros_like(self.order)
        g0, g1 = int(self.crowded[0]), int(self.crowded[-1])
        sizes = np.diff(ks.member_start[g0 : g1 + 1])
        self.pv = np.zeros(max(int(sizes.max()) if g1 > g0 else 0, 1))
        self.heap = np.zeros(max(int(ks.limit[g0:g1].max()) if g1 > g0 else 0, 1))

    def evaluate(self, u: FloatArray) -> None:
        """This lane's knapsack optima into ``ks.part``, its choices into ``count`` and
        ``ks.took``."""
        ks = self.ks
        _evaluate(self.start, ks.item, ks.profit, ks.weight, self.cap, u, self.count, ks.took,
                  self.keep, self.best, self.order, self.reach, self.part, self.crowded,
                  ks.members, ks.member_start, ks.limit, ks.enter, self.pv,
                  self.heap)  # fmt: skip


def _start_u(space: Space, value: FloatArray, ks: Knapsacks, prices: FloatArray | None
             ) -> FloatArray:  # fmt: skip
    """LP account duals given capacity prices, else each account's second-best value."""
    d = space.data
    a = d.pair_account[space.cand]
    if prices is not None:
        red = value - prices[d.pair_partner[space.cand]] * d.pair_effort[space.cand]
        u = np.full(ks.n, -np.inf)
        np.maximum.at(u, a, red)
    else:
        order = np.lexsort((-value, a))  # by account, best value first
        rank = np.arange(len(a)) - space.cand_start[a[order]]
        u = np.zeros(ks.n)
        u[a[order][rank == 0]] = value[order][rank == 0]  # one pair only: its value
        u[a[order][rank == 1]] = value[order][rank == 1]
    u = np.where(np.isfinite(u), u, 0.0)
    return np.where(ks.forced, u, np.maximum(u, 0.0))


def _pair_values(space: Space, lp: LPResult | None) -> tuple[FloatArray, float] | None:
    """Each allowed pair's value with the LP's specialist, account-limit and track multipliers
    priced in, and the constant those multipliers add; on pair-separable problems without them,
    the plain values. None when neither applies. Subgradient multipliers (status "LAGRANGIAN")
    serve as well as the LP's: any non-negative ones keep the bound valid (weak duality)."""
    d = space.data
    if lp is not None and lp.has_prices:
        value = reduced_pair_values(space, np.zeros(d.n_partners), lp.count_dual, lp.spec_dual,
                                    lp.track_dual)  # fmt: skip
        constant = space.constant + float(lp.spec_dual @ d.specialist_capacity)
        limit = d.policy.max_accounts_per_partner
        if limit is not None:
            constant += float(lp.count_dual.sum()) * limit
        return value, constant
    if applies(space):
        return space.coef[space.cand], space.constant
    return None


class KnapsackDual:
    """The subgradient search of ``knapsack_lagrangian``, resumable: ``run`` goes on from where
    the last call stopped (multipliers, step factor, direction), so a caller can take it in
    slices and use the knapsacks' choices in between (``lns``'s guided RINS)."""

    def __init__(self, ks: Knapsacks, constant: float, u: FloatArray, factor: float = 1.0
                 ) -> None:  # fmt: skip
        self.ks, self.constant = ks, constant
        self.free = ks.forced  # free-sign multipliers; the others stay >= 0
        u = np.where(self.free | (u > 0), u, 0.0)
        u[~ks.has_pair] = 0.0
        self.u = u
        self.best_l, self.best_u = np.inf, u.copy()
        self.factor, self.stall, self.steps = factor, 0, 0
        self.prev: FloatArray | None = None
        self.finished = False  # proven, complementary, or no progress left
        self.seen = np.full(len(ks.item), -1, np.int64)  # the last evaluation taking each item
        self.evaluations = 0

    @classmethod
    def create(cls, space: Space, lp: LPResult | None = None, start_u: FloatArray | None = None,
               *, cells: int = DP_BUDGET, factor: float = 1.0
               ) -> KnapsackDual | None:  # fmt: skip
        """The search from ``start_u`` (else the LP's account duals, else second-best values);
        None where ``knapsack_lagrangian`` says so or one evaluation would take more than
        ``cells`` DP cells. ``factor`` is the first step factor (Polyak steps of ``factor`` times
        the distance to the target): smaller where the start is near the best multipliers."""
        priced = _pair_values(space, lp) if len(space.cand) else None
        if priced is None or space.data.n_partners == 0:
            return None
        value, constant = priced
        ks = Knapsacks(space, value)
        if not ks.ok or ks.cells > cells or (ks.forced & ~ks.has_pair).any():
            return None
        ks.allocate()
        if start_u is None:
            prices = lp.cap_dual if lp is not None and lp.has_prices else None
            u = _start_u(space, value, ks, prices)
        else:
            u = np.asarray(start_u, np.float64).copy()
        return cls(ks, constant, u, factor)

    def run(self, floor: float, seconds: float, iterations: int,
            stop: Callable[[], bool] | None = None, threads: int = 1, *, choose: bool = True
            ) -> KnapsackBound:  # fmt: skip
        """At most ``iterations`` more steps within ``seconds`` towards ``floor`` (the
        incumbent's objective); the best bound so far and the choices at its multipliers.
        ``threads``: the knapsacks of each step are solved in that many threads
        (``Knapsacks.value``): for a stage with a core to spare. Without ``choose`` the choices
        are left empty, which saves one evaluation (a bound-only caller)."""
        t_end = time.monotonic() + seconds
        ks, free = self.ks, self.free
        target = floor - self.constant
        it = 0
        while it < iterations and not self.finished:
            it += 1
            u = self.u
            lval = ks.value(u, threads)
            self.seen[ks.took] = self.evaluations
            self.evaluations += 1
            # a float sum of terms far larger than the bound could lose it: not kept (never seen)
            exact = float(np.abs(u).sum()) <= SUM_MAX * max(1.0, abs(lval))
            if exact and lval < self.best_l - 1e-9 * max(1.0, abs(lval)):
                self.best_l, self.best_u, self.stall = lval, u.copy(), 0
            else:
                self.stall += 1
                if self.stall >= STALL:
                    self.factor, self.stall = self.factor / 2, 0
            g = (1 - ks.count).astype(np.float64)
            g[~ks.has_pair] = 0.0
            if self.prev is not None:  # Camerini-Fratta-Maffioli: deflect only when it turns back
                dot = float(g @ self.prev)
                if dot < 0.0:
                    g = g - DEFLECT * dot / float(self.prev @ self.prev) * self.prev
            g[~free & (u <= 0) & (g > 0)] = 0.0  # the step would leave u >= 0: projected away
            self.prev = g
            norm = float(g @ g)
            gap = self.best_l - target
            if norm == 0.0 or gap <= 1e-9 * max(1.0, abs(target)) or self.factor < MIN_FACTOR:
                self.finished = True  # complementary choices, proven, or no progress left
                break
            if time.monotonic() > t_end or (stop is not None and stop()):
                break
            step = self.factor * max(lval - target, 1e-3 * gap) / norm
            u = u - step * g
            self.u = np.where(free, u, np.maximum(u, 0.0))
        self.steps += it
        chosen = np.zeros(0, np.int64)
        if choose:
            ks.value(self.best_u, threads)
            chosen = ks.pair[ks.took]
        return KnapsackBound(self.best_l + self.constant, self.best_u.copy(), self.steps, chosen)

    def seen_pairs(self, limit: int | None = None) -> IntArray:
        """The pairs any knapsack took at any multipliers evaluated so far, at most ``limit`` of
        them, the most recently taken first. Near the optimum the iterates' choices differ, and
        together they hold almost every pair a near-optimal allocation uses (5k channel, seed 1,
        600 steps: 3,806 of 63,000 pairs, 99.3 % of the pairs of HiGHS's allocation after 300 s,
        against 90 % in the best multipliers' choices)."""
        seen = np.flatnonzero(self.seen >= 0)
        if limit is not None and len(seen) > limit:
            seen = seen[np.argsort(-self.seen[seen], kind="stable")[:limit]]
        return self.ks.pair[seen]


def knapsack_lagrangian(
    space: Space,
    floor: float,
    seconds: float,
    start_u: FloatArray | None = None,
    lp: LPResult | None = None,
    iterations: int = ITERATIONS,
    stop: Callable[[], bool] | None = None,
) -> KnapsackBound | None:
    """Subgradient search for multipliers with a low ``L(u)`` (module docstring).

    ``floor`` is the incumbent's objective (the Polyak target), ``seconds`` the wall limit,
    ``start_u`` multipliers to start from (else the LP's account duals, else second-best
    values); ``lp`` the LP whose multipliers price the other rows (needed unless the problem is
    pair-separable) and whose capacity duals give the start; ``stop`` ends the search early
    (cancel). None when ``floor`` is not finite, the problem is neither pair-separable nor has
    LP multipliers, an account that must be covered has no allowed pair, or the DP would exceed
    ``DP_BUDGET`` cells per evaluation.
    """
    t0 = time.monotonic()
    dual = KnapsackDual.create(space, lp, start_u) if np.isfinite(floor) else None
    if dual is None:
        return None
    return dual.run(floor, seconds - (time.monotonic() - t0), iterations, stop)


def warm() -> float:
    """Compile (or load from the cache) the knapsack kernel on a problem of two partners and
    three accounts; returns the seconds it took. Benchmarks call it before timing."""
    t0 = time.monotonic()
    start = np.array([0, 3, 4], np.int64)
    item = np.array([0, 1, 2, 0], np.int64)
    profit = np.array([3.0, 2.0, 4.0, 1.0])
    weight = np.array([1, 1, 1, 2], np.int64)
    cap = np.array([2, 2], np.int64)
    crowded = np.array([0, 1, 1], np.int64)  # partner 0's weight 1: three items, two fit
    members = np.array([0, 1, 2], np.int64)
    member_start = np.array([0, 3], np.int64)
    limit = np.array([2], np.int64)
    _evaluate(start, item, profit, weight, cap, np.zeros(3), np.zeros(3, np.int64),
              np.zeros(4, np.bool_), np.zeros(12, np.bool_), np.zeros(3), np.zeros(4, np.int64),
              np.zeros(4, np.int64), np.zeros(2), crowded, members, member_start, limit,
              np.ones(4, np.bool_), np.zeros(3), np.zeros(2))  # fmt: skip
    return time.monotonic() - t0
