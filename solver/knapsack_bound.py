"""A proven upper bound for pair-separable problems from the knapsack Lagrangian relaxation.

``solver.bound`` dualises partner capacity, which leaves one choice per account and gives the
LP bound at best. For pair-separable problems (``solver.separable.applies``: no specialist slots, no
track share, no account limit) the problem is a generalised assignment problem, and the other
relaxation dualises the account rows instead: ``sum_i x_ij <= 1`` (``= 1`` when the account must
be covered or is pinned; a pinned account's only allowed pair is its pin) with multipliers
``u_j`` (``u_j >= 0`` for the inequalities, free for the equalities). What is left is one 0-1
knapsack per partner i::

    L(u) = constant + sum_j u_j + sum_i max { sum_j (v_ij - u_j) x_ij : sum_j w_ij x_ij <= cap_i }

over its allowed pairs (items with ``v_ij - u_j <= 0`` are never taken). Every ``L(u)`` bounds
every allocation (weak duality); its minimum is at least the LP bound, because each knapsack is
solved in integers, and usually strictly tighter (GAP d20100, cost terms: LP 6160, CP-SAT 6162,
this 6175.7, best known 6185).

The knapsacks are solved by dynamic programming over integer capacities, so efforts and
capacities are scaled per partner by ``s_i`` (at most ``CAP_MAX`` units of capacity) and
rounded: efforts down, ``floor(s_i w + EPS)``, capacities up to the validator's tolerance and
``floor(s_i cap_i + (n_i + 1) EPS)``. Any set of pairs that fits the true capacity fits the
rounded one (a sum of floors is at most the floor of the sum), so each rounded knapsack is a
relaxation of the true one and the bound stays valid; with integer efforts and capacities up
to ``CAP_MAX`` it is exact. The multipliers are improved by subgradient steps (Polyak steps
towards the incumbent's objective, halved when the bound stalls), starting from the LP's
account duals when capacity prices are given (``u_j = max_i (v_ij - lambda_i w_ij)``, which
starts at or below the LP bound), else from each account's second-best value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.compiled import jit
from solver.problem import BoolArray, FloatArray, IntArray
from solver.separable import applies
from solver.space import Space
from solver.validate import TOL

CAP_MAX = 1000  # scaled capacity units per partner at most (DP columns - 1)
# sum over partners of allowed pairs x (scaled capacity + 1): the work of one evaluation at
# worst (items with no reduced profit are skipped). d40400 has 6.5e6 and takes 5 ms a step, so
# 300 steps 1.6 s; above 1e7 a step takes ~8 ms and the 1 s solve.py allows gives under ~120
# steps, where d40400 was still within 0.3 of its LP bound. Every A-E instance up to 400 jobs
# and c/e x 900 (6.8-9.8e6) are within; d x 900 and every 1,600-job one (13-104e6) are not
DP_BUDGET = 10_000_000
EPS = 1e-7  # efforts are floored after adding this; capacities get (n + 1) of it back
ITERATIONS = 300
STALL = 20  # evaluations without a better bound before the step factor halves
MIN_FACTOR = 1e-4


@dataclass(frozen=True)
class KnapsackBound:
    """The best bound found (objective terms, constant included) and its multipliers."""

    bound: float
    u: FloatArray
    iterations: int


@jit
def _evaluate(  # one compiled pass over every partner's knapsack
    start: IntArray,
    item: IntArray,
    profit: FloatArray,
    weight: IntArray,
    cap: IntArray,
    u: FloatArray,
    count: IntArray,
    keep: BoolArray,
    best: FloatArray,
    order: IntArray,
    reach_of: IntArray,
) -> float:
    """Sum over partners of the knapsack optimum with profits ``profit - u[item]``; writes in
    ``count[j]`` how many knapsacks take account j. ``keep``, ``best``, ``order``, ``reach_of``
    are work arrays (``keep`` holds n_i x (cap_i + 1) flags)."""
    m = cap.shape[0]
    total = 0.0
    count[:] = 0
    for i in range(m):
        lo, hi = start[i], start[i + 1]
        c_max = cap[i]
        width = c_max + 1
        best[0] = 0.0
        r = 0
        reach = 0  # columns above it hold the same value (only the items so far fit)
        for k in range(lo, hi):
            p = profit[k] - u[item[k]]
            w = weight[k]
            if p <= 0.0 or w > c_max:
                continue
            if w == 0:
                total += p
                count[item[k]] += 1
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
        total += best[reach]
        c = reach
        for t in range(r - 1, -1, -1):
            # beyond the row's reach the decision is the one at its reach (same values)
            if keep[t * width + min(c, reach_of[t])]:
                k = order[t]
                count[item[k]] += 1
                c -= weight[k]
    return total


class _Knapsacks:
    """The partners' knapsacks in compiled-friendly arrays (items grouped by partner)."""

    def __init__(self, space: Space) -> None:
        d = space.data
        k = space.cand
        p = d.pair_partner[k]
        order = np.argsort(p, kind="stable")
        k, p = k[order], p[order]
        m = d.n_partners
        self.n = d.n_accounts
        self.start = np.searchsorted(p, np.arange(m + 1)).astype(np.int64)
        self.item = d.pair_account[k].astype(np.int64)
        self.profit = space.coef[k].astype(np.float64)
        effort = d.pair_effort[k].astype(np.float64)
        self.ok = bool((effort >= 0).all() and (d.partner_capacity >= 0).all())
        n_i = np.diff(self.start)
        total_w = np.bincount(p, weights=effort, minlength=m)
        cap = np.minimum(np.asarray(d.partner_capacity, np.float64), total_w)  # never more
        integral = bool((effort == np.round(effort)).all())
        whole = integral & (cap == np.floor(cap)) & (cap <= CAP_MAX)
        cap = cap + TOL * np.maximum(1.0, cap)  # what the validator lets through
        scale = np.where(whole, 1.0, CAP_MAX / np.maximum(cap, 1e-300))
        scale = np.where(cap > 0, scale, 1.0)
        self.weight = np.floor(effort * scale[p] + EPS).astype(np.int64)
        self.cap = np.floor(cap * scale + (n_i + 1) * EPS).astype(np.int64)
        self.cells = int((n_i * (self.cap + 1)).sum())
        forced = d.policy.must_cover | (d.policy.pins >= 0)
        self.forced = np.broadcast_to(forced, (self.n,)).copy()
        self.has_pair = np.bincount(self.item, minlength=self.n) > 0
        self.n_i = n_i

    def allocate(self) -> None:
        """The DP's work arrays (only once the size is known to be within the budget)."""
        n_i, m = self.n_i, len(self.cap)
        work = int((n_i * (self.cap + 1)).max()) if m else 0
        self.keep = np.zeros(max(work, 1), np.bool_)
        self.best = np.zeros(int(self.cap.max()) + 1 if m else 1)
        self.order = np.zeros(max(int(n_i.max()) if m else 0, 1), np.int64)
        self.reach = np.zeros_like(self.order)
        self.count = np.zeros(self.n, np.int64)

    def value(self, u: FloatArray) -> float:
        """``L(u)`` without the constant; ``self.count`` holds the knapsacks' choices."""
        kp = _evaluate(self.start, self.item, self.profit, self.weight, self.cap, u, self.count,
                       self.keep, self.best, self.order, self.reach)  # fmt: skip
        return float(u[self.has_pair].sum()) + kp


def _start_u(space: Space, ks: _Knapsacks, prices: FloatArray | None) -> FloatArray:
    """LP account duals given capacity prices, else each account's second-best value."""
    d = space.data
    k = space.cand
    a = d.pair_account[k]
    if prices is not None:
        red = space.coef[k] - prices[d.pair_partner[k]] * d.pair_effort[k]
        u = np.full(ks.n, -np.inf)
        np.maximum.at(u, a, red)
    else:
        v = space.coef[k]
        order = np.lexsort((-v, a))  # by account, best value first
        rank = np.arange(len(k)) - space.cand_start[a[order]]
        u = np.zeros(ks.n)
        u[a[order][rank == 0]] = v[order][rank == 0]  # one pair only: its value
        u[a[order][rank == 1]] = v[order][rank == 1]
    u = np.where(np.isfinite(u), u, 0.0)
    return np.where(ks.forced, u, np.maximum(u, 0.0))


def knapsack_lagrangian(
    space: Space,
    floor: float,
    seconds: float,
    start_u: FloatArray | None = None,
    prices: FloatArray | None = None,
    iterations: int = ITERATIONS,
    stop: Callable[[], bool] | None = None,
) -> KnapsackBound | None:
    """Subgradient search for multipliers with a low ``L(u)`` (module docstring).

    ``floor`` is the incumbent's objective (the Polyak target), ``seconds`` the wall limit,
    ``start_u`` multipliers to start from (else from ``prices``, the LP's capacity duals, else
    second-best values); ``stop`` ends the search early (cancel). None when ``floor`` is not
    finite, the problem is not pair-separable, an account that must be covered has no allowed
    pair, or the DP would exceed ``DP_BUDGET`` cells per evaluation.
    """
    t_end = time.monotonic() + seconds
    if not applies(space) or not np.isfinite(floor):
        return None
    ks = _Knapsacks(space)
    if not ks.ok or ks.cells > DP_BUDGET or (ks.forced & ~ks.has_pair).any():
        return None
    ks.allocate()
    free = ks.forced  # free-sign multipliers; the others stay >= 0
    u = _start_u(space, ks, prices) if start_u is None else np.asarray(start_u, np.float64).copy()
    u = np.where(free | (u > 0), u, 0.0)
    u[~ks.has_pair] = 0.0
    target = floor - space.constant
    best_l, best_u = np.inf, u.copy()
    factor, stall, it = 1.0, 0, 0
    while it < iterations:
        it += 1
        lval = ks.value(u)
        if lval < best_l - 1e-9 * max(1.0, abs(lval)):
            best_l, best_u, stall = lval, u.copy(), 0
        else:
            stall += 1
            if stall >= STALL:
                factor, stall = factor / 2, 0
        g = (1 - ks.count).astype(np.float64)
        g[~ks.has_pair] = 0.0
        g[~free & (u <= 0) & (g > 0)] = 0.0  # the step would leave u >= 0: projected away
        norm = float(g @ g)
        gap = best_l - target
        if norm == 0.0 or gap <= 1e-9 * max(1.0, abs(target)) or factor < MIN_FACTOR:
            break  # complementary choices, proven, or no progress left
        if time.monotonic() > t_end or (stop is not None and stop()):
            break
        step = factor * max(lval - target, 1e-3 * gap) / norm
        u = u - step * g
        u = np.where(free, u, np.maximum(u, 0.0))
    return KnapsackBound(best_l + space.constant, best_u, it)


def knapsack_bound(
    space: Space,
    floor: float,
    seconds: float,
    start_u: FloatArray | None = None,
    prices: FloatArray | None = None,
    stop: Callable[[], bool] | None = None,
) -> float | None:
    """Proven upper bound on the objective of every allocation of a pair-separable problem from
    the knapsack Lagrangian (module docstring); None when it does not apply or is too large.
    Arguments as for ``knapsack_lagrangian``."""
    out = knapsack_lagrangian(space, floor, seconds, start_u=start_u, prices=prices, stop=stop)
    return None if out is None else out.bound


def warm() -> float:
    """Compile (or load from the cache) the knapsack kernel on a 2 x 2 problem; returns the
    seconds it took. Benchmarks call it before timing."""
    t0 = time.monotonic()
    start = np.array([0, 2, 4], np.int64)
    item = np.array([0, 1, 0, 1], np.int64)
    profit = np.array([3.0, 2.0, 1.0, 4.0])
    weight = np.array([1, 2, 2, 1], np.int64)
    cap = np.array([2, 2], np.int64)
    two = np.zeros(2, np.int64)
    _evaluate(start, item, profit, weight, cap, np.zeros(2), two, np.zeros(6, np.bool_),
              np.zeros(3), two.copy(), two.copy())  # fmt: skip
    return time.monotonic() - t0
