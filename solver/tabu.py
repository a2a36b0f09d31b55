"""Tabu search with shift and swap moves for problems whose objective is a sum over pairs.

When no specialist can add revenue and no track share applies, the allocation problem is a
generalised assignment problem: each account takes one allowed partner (or none, unless it
must be covered), each pair has a value and an effort, each partner a capacity and perhaps a
limit on its number of accounts. Then a move's effect is known from a few array lookups, so
whole neighbourhoods are scored at once with numpy:

* shift: one account to another partner (or to none);
* swap: two accounts of different partners trade partners;
* ejection chain: one account shifts to a partner, which lets one of its accounts go to a third
  partner (or to the first one's old partner), for the best few first shifts.

Capacity may be exceeded during the search at a price per unit of excess and per partner
(strategic oscillation: the price rises while a partner is over and decays while all fit), so
the search crosses infeasible ground between feasible allocations. The move just undone is tabu
for a few iterations. Only allocations that fit every rule are kept as best; the caller offers
them to the validator like any other start.

``local_search.polish`` runs the compiled version of this search (``solver.ejection``); this
numpy one is kept as the readable reference of the moves and the pricing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from solver.problem import FloatArray
from solver.result import Allocation
from solver.space import Space

NEG = -1e30
SWAP_SAMPLE = 160  # accounts per side of the swap neighbourhood on larger problems
TENURE = (4, 12)  # iterations a reversed move stays tabu, drawn in this range
UP = 1.02  # price factor per iteration while a partner is over capacity
DOWN = 0.99  # price decay per iteration while every partner fits
CHAIN_FIRST = 3  # shifts tried as the first link of an ejection chain per iteration (8: too slow)
# below this many jobs the exact model decides within a second and needs the plain search's
# faster iterations (gap12, 60 jobs: 2 of 3 runs missed the 1 s proof with chains, 0 of 2 without)
CHAIN_MIN_JOBS = 100
LAST_ITERATIONS = [0]  # iterations of the last run (for benchmarks)


def applies(space: Space) -> bool:
    """True when the objective is a sum over pairs and capacity the only coupling row."""
    d = space.data
    return (
        space.n_slots == 0
        and not any(s > 0 for s in d.policy.min_track_share)
        and d.policy.max_accounts_per_partner is None
        and d.n_partners >= 2
        and len(space.cand) > 0
    )


class Dense:
    """Dense value/effort matrices, one extra row for 'no partner' where that is allowed."""

    def __init__(self, space: Space) -> None:
        d = space.data
        m, n = d.n_partners, d.n_accounts
        self.m, self.n = m, n
        k = space.cand
        p, a = d.pair_partner[k], d.pair_account[k]
        self.value = np.full((m + 1, n), NEG)
        self.effort = np.zeros((m + 1, n))
        self.value[p, a] = space.coef[k]
        self.effort[p, a] = d.pair_effort[k]
        forced = d.policy.must_cover | (d.policy.pins >= 0)
        self.value[m, ~forced] = 0.0
        self.cap = np.append(d.partner_capacity.astype(np.float64), np.inf)


def _over(load: FloatArray, cap: FloatArray) -> FloatArray:
    return np.asarray(np.maximum(load - cap, 0.0))


def _chain(
    V: FloatArray,
    W: FloatArray,
    cap: FloatArray,
    load: FloatArray,
    pen: FloatArray,
    a: np.ndarray,
    first: FloatArray,
    tabu: np.ndarray,
    it: int,
) -> tuple[float, list[tuple[int, int]]]:
    """Best ejection chain of length two: job j1 shifts to agent i, and a job j2 that i holds
    shifts on to agent k (k may be j1's old agent). ``first`` scores each shift without the
    price of the target's excess; the best few are tried as first links. On tight D-type
    instances most improving moves need such a chain: the target agent only has room once it
    lets a job go."""
    m1, n = V.shape
    if CHAIN_FIRST <= 0:
        return NEG, []
    over = _over(load, cap)
    top = min(CHAIN_FIRST, first.size - 1)
    flat = np.argpartition(-first.ravel(), top)[: top + 1]
    best, moves = NEG, []
    for f in flat:
        if float(first.flat[f]) <= NEG / 2:
            continue
        i, j1 = divmod(int(f), n)
        o = int(a[j1])
        held = np.flatnonzero(a == i)
        if len(held) == 0:
            continue
        # loads after both links for every (j2, k): agent o loses j1, i trades j1 for j2
        lo = load[o] - W[o, j1]
        li = load[i] + W[i, j1] - W[i, held]  # (h,)
        lk = load[None, :] + W[:, held].T  # (h, m1)
        lk[:, o] += -W[o, j1]
        g2 = V[:, held].T - V[i, held][:, None]
        cost = pen[None, :] * (_over(lk, cap[None, :]) - over[None, :])
        cost += (pen[i] * (_over(li, cap[i]) - over[i]))[:, None]
        # agent o's own term when k != o (k == o is inside lk)
        other_o = pen[o] * (_over(lo, cap[o]) - over[o])
        cost += other_o
        cost[:, o] -= other_o
        sc = V[i, j1] - V[o, j1] + g2 - cost
        sc[:, i] = NEG
        sc[V[:, held].T <= NEG / 2] = NEG
        sc[it < tabu[:, held].T] = NEG
        r = int(np.argmax(sc))
        h, k = divmod(r, m1)
        if float(sc.flat[r]) > best:
            best, moves = float(sc.flat[r]), [(j1, i), (int(held[h]), k)]
    return best, moves


def tabu_search(
    space: Space,
    start: Allocation,
    seconds: float,
    seed: int,
    stop: Callable[[], bool] | None = None,
) -> Allocation | None:
    """Best allocation that fits capacity found from ``start`` within ``seconds``; None when
    the problem is not of this form or nothing better than ``start`` was found."""
    if not applies(space):
        return None
    t_end = time.monotonic() + seconds
    dm = Dense(space)
    m, n = dm.m, dm.n
    V, W, cap = dm.value, dm.effort, dm.cap
    rng = np.random.default_rng(seed)
    jobs = np.arange(n)
    a = np.where(start.partner >= 0, start.partner, m).astype(np.int64)
    if (V[a, jobs] <= NEG / 2).any():
        return None  # the start uses a pair outside the space: leave it to others
    load = np.bincount(a, weights=W[a, jobs], minlength=m + 1).astype(np.float64)
    value = float(V[a, jobs].sum())
    scale = float(np.abs(V[V > NEG / 2]).mean()) / max(float(W[W > 0].mean()), 1e-9)
    pen = np.full(m + 1, scale)
    pen[m] = 0.0
    tabu = np.zeros((m + 1, n), np.int64)
    best_val, best_a = (value, a.copy()) if not _over(load, cap).any() else (NEG, None)
    start_val = best_val
    it = 0
    while True:
        it += 1
        if it % 16 == 0 and (time.monotonic() > t_end or (stop is not None and stop())):
            break
        over = _over(load, cap)
        cur_v, cur_w = V[a, jobs], W[a, jobs]
        # shift: job j from a[j] to agent i
        src = pen[a] * (_over(load[a] - cur_w, cap[a]) - over[a])
        dst = pen[:, None] * (_over(load[:, None] + W, cap[:, None]) - over[:, None])
        gain = V - cur_v
        score = gain - dst - src
        score[a, jobs] = NEG
        score[V <= NEG / 2] = NEG
        # aspiration: a move into a new best feasible allocation ignores the tabu
        feas_after = (over.sum() - over[a] + _over(load[a] - cur_w, cap[a]) == 0)[None, :] & (
            load[:, None] + W <= cap[:, None] + 1e-9
        )
        total_shift = value + gain
        asp = feas_after & (total_shift > best_val + 1e-9)
        score[(tabu > it) & ~asp] = NEG
        i_s = int(np.argmax(score))
        best_shift = float(score.flat[i_s])
        # swap on a sample of jobs
        s1 = jobs if n <= SWAP_SAMPLE else rng.choice(n, SWAP_SAMPLE, replace=False)
        s2 = jobs if n <= SWAP_SAMPLE else rng.choice(n, SWAP_SAMPLE, replace=False)
        a1, a2 = a[s1][:, None], a[s2][None, :]
        g = V[a2, s1[:, None]] + V[a1, s2[None, :]] - cur_v[s1][:, None] - cur_v[s2][None, :]
        d1 = W[a1, s2[None, :]] - cur_w[s1][:, None]
        d2 = W[a2, s1[:, None]] - cur_w[s2][None, :]
        l1, l2 = load[a1] + d1, load[a2] + d2
        c1, c2 = cap[a1], cap[a2]
        sw = g - pen[a1] * (_over(l1, c1) - over[a1]) - pen[a2] * (_over(l2, c2) - over[a2])
        bad = (a1 == a2) | (g <= NEG / 4)
        rest = over.sum() - over[a1] - over[a2]
        asp2 = (rest == 0) & (l1 <= c1 + 1e-9) & (l2 <= c2 + 1e-9) & (value + g > best_val + 1e-9)
        tb = (tabu[a2, s1[:, None]] > it) | (tabu[a1, s2[None, :]] > it)
        sw[bad | (tb & ~asp2)] = NEG
        i_w = int(np.argmax(sw))
        best_swap = float(sw.flat[i_w])
        best_chain, chain = NEG, list[tuple[int, int]]()
        if n >= CHAIN_MIN_JOBS:
            first = gain - src
            first[(tabu > it) | (V <= NEG / 2)] = NEG
            first[a, jobs] = NEG
            best_chain, chain = _chain(V, W, cap, load, pen, a, first, tabu, it)
        if max(best_shift, best_swap, best_chain) <= NEG / 2:
            break
        if best_chain > max(best_shift, best_swap) + 1e-9:
            moves = chain
        elif best_shift >= best_swap:
            i, j = divmod(i_s, n)
            moves = [(j, i)]
        else:
            r, c = divmod(i_w, sw.shape[1])
            j1, j2 = int(s1[r]), int(s2[c])
            moves = [(j1, int(a[j2])), (j2, int(a[j1]))]
        for j, i in moves:
            old = int(a[j])
            load[old] -= W[old, j]
            load[i] += W[i, j]
            value += V[i, j] - V[old, j]
            tabu[old, j] = it + int(rng.integers(*TENURE))
            a[j] = i
        over = _over(load, cap)
        if over.any():
            pen[over > 0] *= UP
        else:
            pen *= DOWN
            pen = np.maximum(pen, scale * 1e-3)
            pen[m] = 0.0
            if value > best_val + 1e-9:
                best_val, best_a = value, a.copy()
    LAST_ITERATIONS[0] = it
    if best_a is None or best_val <= start_val + 1e-9:
        return None
    out = start.copy()
    out.partner[:] = np.where(best_a == m, -1, best_a)
    return out
