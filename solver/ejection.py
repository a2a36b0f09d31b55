"""Compiled tabu search with shift, swap and ejection-chain moves (numba).

Tabu search for pair-separable problems (``solver.separable``): capacity may be exceeded
during the search at a price per unit of excess and per partner (strategic oscillation: the
price rises while a partner is over and decays while all fit), a short tabu tenure on the pair a
job just left, aspiration by a new best feasible allocation; only allocations that fit every
rule are kept as best. Each iteration is one pass of compiled loops over the dense value/effort
matrices: an earlier numpy version of the search spent nearly all its time in call overhead on
20 x 100 GAP instances (a few hundred iterations per second of CPU against about 20,000 here).
Each iteration sorts the jobs by agent, so that a chain's next link and a swap's second job are
looked for among one agent's jobs only, and a swap is looked at only where a bound on its score
(the two shifts' best gains and the excess the two agents shed) reaches the best move so far.
Ties go to the shift, then to the first pair in job order, as in the scan of every pair of
jobs that this replaced, so the moves are the same; 1.4-2x as many iterations a second on the D
and E instances of 100-400 jobs, 2.3-7x on C (``bench.tabu_rate``, bench/RESULTS.md, session
11). With that budget:

* ejection chains of up to ``DEPTH`` links: job j1 shifts to agent i (one of the ``CHAIN_FIRST``
  best first links), the best job of i to move goes on to agent k, then the best of k, ...;
  the best prefix counts;
* after ``RESTART`` iterations without a new best, back to the best allocation with the
  starting prices and ``KICK`` random shifts.

The kernel runs a fixed number of iterations and keeps its state in arrays the caller owns, so
the Python wrapper runs it in slices and checks the clock and the cancel flag in between (numba
has no clock). It releases the GIL (``nogil``): several searches with different seeds run side
by side, or one runs while CP-SAT works. ``cache=True`` compiles once per install (the cache
sits in ``__pycache__`` beside this file): about 10-20 s the first time, under a second to load
after (bench/RESULTS.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import cast

import numpy as np

from solver.compiled import jit
from solver.problem import FloatArray, IntArray
from solver.result import Allocation
from solver.separable import NEG, Dense, applies
from solver.space import Space

TENURE = (2, 8)  # iterations a reversed move stays tabu, drawn in this range
UP = 1.02  # price factor per iteration while a partner is over capacity
DOWN = 0.99  # price decay per iteration while every partner fits
CHAIN_FIRST = 8  # best first shifts tried as the first link of a chain per iteration
DEPTH = 3  # links of an ejection chain at most
RESTART = 1000  # iterations without a new best before going back to the best (0: never)
KICK = 8  # random shifts after going back to the best
PRICE_FLOOR = 0.05  # of the scale: the least starting price of a partner's capacity
SLICE_S = 0.01  # seconds per kernel call between clock checks
# scalar state (float): value, best value, scale, price factors; (int): iteration, rng, tenure
_VALUE, _BEST, _SCALE, _UP, _DOWN = 0, 1, 2, 3, 4
_IT, _RNG, _TLO, _THI, _LAST, _RESTART, _KICK = 0, 1, 2, 3, 4, 5, 6


@jit
def _over(load: float, cap: float) -> float:
    return load - cap if load > cap else 0.0


@jit
def _rand(ist: IntArray, lo: int, hi: int) -> int:
    """Integer in [lo, hi) from a 64-bit LCG kept in ``ist[_RNG]``."""
    s = ist[_RNG] * 6364136223846793005 + 1442695040888963407
    ist[_RNG] = s
    return lo + int((s >> 33) & 0x7FFFFFFF) % (hi - lo)


@jit
def _kernel(  # one compiled loop: splitting it would cost calls per iteration
    V: FloatArray,
    W: FloatArray,
    cap: FloatArray,
    a: IntArray,
    load: FloatArray,
    pen: FloatArray,
    pen0: FloatArray,
    tabu: IntArray,
    best_a: IntArray,
    fst: FloatArray,
    ist: IntArray,
    iterations: int,
    chain_first: int,
    depth: int,
) -> int:
    """Run ``iterations`` tabu iterations in place; returns the number run (fewer when no
    move is allowed). ``a`` is the current agent of each job (row m of V is 'none'), ``load``
    and ``pen`` per agent, ``tabu[i, j]`` the iteration until which job j may not return to
    agent i, ``best_a`` the best allocation that fits (value ``fst[_BEST]``)."""
    m1, n = V.shape
    half = NEG / 2
    over = np.zeros(m1)
    top_s = np.full(chain_first, NEG)
    top_i = np.zeros(chain_first, np.int64)
    top_j = np.zeros(chain_first, np.int64)
    mj = np.zeros(max(depth, 2), np.int64)
    mi = np.zeros(max(depth, 2), np.int64)
    cj = np.zeros(depth, np.int64)
    ci = np.zeros(depth, np.int64)
    bcj = np.zeros(depth, np.int64)
    bci = np.zeros(depth, np.int64)
    tl = np.zeros(m1)
    # the jobs of each agent, ascending (``held[first[i]:first[i + 1]]``), and for the swaps'
    # bound ``most[i, o]``: the best gain of moving one job of agent o to agent i
    first = np.zeros(m1 + 1, np.int64)
    fill = np.zeros(m1, np.int64)
    held = np.zeros(n, np.int64)
    most = np.empty((m1, m1))
    for step in range(iterations):
        it = ist[_IT] + 1
        ist[_IT] = it
        value, best_val = fst[_VALUE], fst[_BEST]
        total_over = 0.0
        for i in range(m1):
            over[i] = _over(load[i], cap[i])
            total_over += over[i]
            first[i + 1] = 0
        for j in range(n):
            first[a[j] + 1] += 1
        for i in range(m1):
            first[i + 1] += first[i]
            fill[i] = first[i]
        for j in range(n):
            held[fill[a[j]]] = j
            fill[a[j]] += 1
        most[:, :] = NEG
        for t in range(chain_first):
            top_s[t] = NEG
        # shift: job j from o = a[j] to agent i
        bs, bs_i, bs_j = NEG, -1, -1
        for j in range(n):
            o = a[j]
            vo = V[o, j]
            src = pen[o] * (_over(load[o] - W[o, j], cap[o]) - over[o])
            rest_ok = total_over - over[o] + _over(load[o] - W[o, j], cap[o]) <= 0.0
            for i in range(m1):
                v = V[i, j]
                if i == o or v <= half:
                    continue
                gain = v - vo
                if gain > most[i, o]:
                    most[i, o] = gain
                dst = pen[i] * (_over(load[i] + W[i, j], cap[i]) - over[i])
                sc = gain - src - dst
                if tabu[i, j] > it:
                    if not (rest_ok and load[i] + W[i, j] <= cap[i] + 1e-9):
                        continue
                    if value + gain <= best_val + 1e-9:
                        continue
                elif chain_first > 0:
                    f = gain - src  # first link: the target's excess is for the second link
                    t = chain_first - 1
                    if f > top_s[t]:
                        while t > 0 and top_s[t - 1] < f:
                            top_s[t] = top_s[t - 1]
                            top_i[t] = top_i[t - 1]
                            top_j[t] = top_j[t - 1]
                            t -= 1
                        top_s[t], top_i[t], top_j[t] = f, i, j
                if sc > bs:
                    bs, bs_i, bs_j = sc, i, j
        # swap: jobs j1 (of a1) and j2 (of a2 > a1) trade agents. Only a swap that beats the
        # best shift can be chosen, and its score is at most the two gains plus the excess the
        # two agents shed, so most pairs of (job, agent) need no look at the agent's jobs
        bw, bw_1, bw_2 = bs, -1, -1
        for j1 in range(n):
            a1 = a[j1]
            l1_out = load[a1] - W[a1, j1]
            shed1 = pen[a1] * (over[a1] - _over(l1_out, cap[a1]))
            for a2 in range(a1 + 1, m1):
                if V[a2, j1] <= half:
                    continue
                g1 = V[a2, j1] - V[a1, j1]
                if g1 + most[a1, a2] + shed1 + pen[a2] * over[a2] < bw:
                    continue
                for h in range(first[a2], first[a2 + 1]):
                    j2 = held[h]
                    if V[a1, j2] <= half:
                        continue
                    g = g1 + V[a1, j2] - V[a2, j2]
                    l1 = l1_out + W[a1, j2]
                    l2 = load[a2] - W[a2, j2] + W[a2, j1]
                    o1, o2 = _over(l1, cap[a1]), _over(l2, cap[a2])
                    sc = g - pen[a1] * (o1 - over[a1]) - pen[a2] * (o2 - over[a2])
                    if sc < bw:
                        continue
                    p1, p2 = min(j1, j2), max(j1, j2)
                    if sc == bw and (bw_1 < 0 or p1 > bw_1 or (p1 == bw_1 and p2 > bw_2)):
                        continue  # ties: the shift, else the first pair in job order
                    if tabu[a2, j1] > it or tabu[a1, j2] > it:
                        feas = total_over - over[a1] - over[a2] + o1 + o2 <= 0.0
                        if not (feas and value + g > best_val + 1e-9):
                            continue
                    bw, bw_1, bw_2 = sc, p1, p2  # moved in job order
        if bw_1 < 0:
            bw = NEG
        # ejection chain: j1 to i (a first link above), then a job that i holds to k, then a
        # job that k holds on, ... up to ``depth`` links, each link the best for its agent
        bc, bc_len = NEG, 0
        for t in range(chain_first):
            if top_s[t] <= half:
                break
            i, j1 = top_i[t], top_j[t]
            o = a[j1]
            for q in range(m1):
                tl[q] = load[q]
            # penalty change of the chain so far against the current allocation
            tl[o] -= W[o, j1]
            tl[i] += W[i, j1]
            pc = pen[o] * (_over(tl[o], cap[o]) - over[o]) + pen[i] * (
                _over(tl[i], cap[i]) - over[i]
            )
            g = V[i, j1] - V[o, j1]
            cj[0], ci[0] = j1, i
            cur = i
            for d in range(1, depth):
                lb, lb_j, lb_k, lb_pc = NEG, -1, -1, 0.0
                for h in range(first[cur], first[cur + 1]):
                    j2 = held[h]
                    used = False
                    for e in range(d):
                        if cj[e] == j2:
                            used = True
                    if used:
                        continue
                    lc = tl[cur] - W[cur, j2]
                    pcur = pen[cur] * (_over(lc, cap[cur]) - _over(tl[cur], cap[cur]))
                    g2 = g - V[cur, j2]
                    for k in range(m1):
                        v = V[k, j2]
                        if k == cur or v <= half or tabu[k, j2] > it:
                            continue
                        pk = pen[k] * (_over(tl[k] + W[k, j2], cap[k]) - _over(tl[k], cap[k]))
                        sc = g2 + v - pc - pcur - pk
                        if sc > lb:
                            lb, lb_j, lb_k, lb_pc = sc, j2, k, pcur + pk
                if lb_j < 0:
                    break
                tl[cur] -= W[cur, lb_j]
                tl[lb_k] += W[lb_k, lb_j]
                pc += lb_pc
                g += V[lb_k, lb_j] - V[cur, lb_j]
                cj[d], ci[d] = lb_j, lb_k
                if lb > bc:
                    bc, bc_len = lb, d + 1
                    for e in range(d + 1):
                        bcj[e], bci[e] = cj[e], ci[e]
                cur = lb_k
        if bs <= half and bw <= half and bc <= half:
            return step
        # apply the best move as one or two shifts
        n_moves = 0
        if bc > bs + 1e-9 and bc > bw + 1e-9:
            for e in range(bc_len):
                mj[e], mi[e] = bcj[e], bci[e]
            n_moves = bc_len
        elif bs >= bw:
            mj[0], mi[0] = bs_j, bs_i
            n_moves = 1
        else:
            mj[0], mi[0], mj[1], mi[1] = bw_1, a[bw_2], bw_2, a[bw_1]
            n_moves = 2
        for q in range(n_moves):
            j, i = mj[q], mi[q]
            o = a[j]
            load[o] -= W[o, j]
            load[i] += W[i, j]
            value += V[i, j] - V[o, j]
            tabu[o, j] = it + _rand(ist, ist[_TLO], ist[_THI])
            a[j] = i
        fst[_VALUE] = value
        any_over = False
        for i in range(m1):
            if load[i] > cap[i] + 1e-9:
                any_over = True
                pen[i] *= fst[_UP]
        if not any_over:
            floor = fst[_SCALE] * 1e-3
            for i in range(m1):
                if pen[i] > 0.0:
                    pen[i] = max(pen[i] * fst[_DOWN], floor)
            if value > best_val + 1e-9:
                fst[_BEST] = value
                best_a[:] = a
                ist[_LAST] = it
        if ist[_RESTART] > 0 and it - ist[_LAST] > ist[_RESTART] and fst[_BEST] > half:
            # intensify: back to the best allocation with fresh prices
            ist[_LAST] = it
            a[:] = best_a
            fst[_VALUE] = fst[_BEST]
            for i in range(m1):
                load[i] = 0.0
                pen[i] = pen0[i]
            for _ in range(ist[_KICK]):  # and a few random shifts, so no two restarts repeat
                j = _rand(ist, 0, n)
                i = _rand(ist, 0, m1)
                if V[i, j] > half and i != a[j]:
                    fst[_VALUE] += V[i, j] - V[a[j], j]
                    tabu[a[j], j] = it + _rand(ist, ist[_TLO], ist[_THI])
                    a[j] = i
            for j in range(n):
                load[a[j]] += W[a[j], j]
    return iterations


class Run:
    """One search's state: the arrays the kernel updates in place."""

    def __init__(self, dm: Dense, a: IntArray, seed: int, prices: FloatArray | None = None
                 ) -> None:  # fmt: skip
        m, n = dm.m, dm.n
        self.V, self.W, self.cap = dm.value, dm.effort, dm.cap
        jobs = np.arange(n)
        self.a = a.copy()
        self.load = np.bincount(a, weights=self.W[a, jobs], minlength=m + 1).astype(np.float64)
        value = float(self.V[a, jobs].sum())
        pos_w = self.W[self.W > 0]
        scale = float(np.abs(self.V[self.V > NEG / 2]).mean()) / max(
            float(pos_w.mean()) if pos_w.size else 1.0, 1e-9
        )
        self.pen = np.full(m + 1, scale)
        if prices is not None:
            self.pen[:m] = np.maximum(prices, scale * PRICE_FLOOR)
        self.pen[m] = 0.0
        self.pen0 = self.pen.copy()
        self.tabu = np.zeros((m + 1, n), np.int64)
        fits = bool((self.load <= self.cap + 1e-9).all())
        self.best_a = self.a.copy()
        self.fst = np.array([value, value if fits else NEG, scale, UP, DOWN])
        self.ist = np.array([0, seed * 2654435761 + 1, TENURE[0], TENURE[1], 0, RESTART, KICK],
                            np.int64)  # fmt: skip
        self.idle = False

    @property
    def best(self) -> float:
        """Value of the best allocation that fits (NEG when none yet)."""
        return float(self.fst[_BEST])

    @property
    def iterations(self) -> int:
        """Iterations run so far."""
        return int(self.ist[_IT])

    def advance(self, iterations: int, chain_first: int) -> None:
        """Run the kernel for ``iterations`` (GIL released)."""
        done = _kernel(self.V, self.W, self.cap, self.a, self.load, self.pen, self.pen0, self.tabu,
                       self.best_a, self.fst, self.ist, iterations, chain_first, DEPTH)  # fmt: skip
        self.idle = done < iterations


def _drive(
    run: Run, t_end: float, stop: Callable[[], bool] | None, iterations: int | None, chain: int
) -> None:
    """Advance ``run`` in slices of about ``SLICE_S`` until the clock, ``stop`` or the
    iteration budget says so."""
    chunk = 16
    while not run.idle:
        if iterations is not None:
            left = iterations - run.iterations
            if left <= 0:
                return
            chunk = min(chunk, left)
        t0 = time.monotonic()
        run.advance(chunk, chain)
        t1 = time.monotonic()
        if iterations is None and (t1 >= t_end or (stop is not None and stop())):
            return
        if t1 - t0 < SLICE_S / 2:
            chunk *= 2


def compiled_tabu(
    space: Space,
    start: Allocation,
    seconds: float,
    seed: int,
    stop: Callable[[], bool] | None = None,
    *,
    threads: int = 1,
    iterations: int | None = None,
    chain_first: int = CHAIN_FIRST,
    prices: FloatArray | None = None,
) -> Allocation | None:
    """Best allocation that fits capacity found from ``start`` within ``seconds`` (or exactly
    ``iterations`` iterations per thread, which makes the result depend on ``seed`` only);
    None when the problem is not pair-separable (``solver.separable.applies``), the start uses
    a pair outside the space, or nothing better than ``start`` was found.

    ``threads`` independent searches (seeds ``seed``, ``seed + 1``, ...) run side by side; the
    best of them is returned.
    """
    if not applies(space):
        return None
    dm = Dense(space)
    m, n = dm.m, dm.n
    a = np.where(start.partner >= 0, start.partner, m).astype(np.int64)
    if (dm.value[a, np.arange(n)] <= NEG / 2).any():
        return None
    runs = [Run(dm, a, seed + t, prices) for t in range(max(1, threads))]
    start_val = runs[0].best
    t_end = time.monotonic() + seconds
    if len(runs) == 1:
        _drive(runs[0], t_end, stop, iterations, chain_first)
    else:
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            jobs = [pool.submit(_drive, r, t_end, stop, iterations, chain_first) for r in runs]
            for job in jobs:
                job.result()
    LAST_ITERATIONS[0] = sum(r.iterations for r in runs)
    win = max(runs, key=lambda r: r.best)
    if win.best <= NEG / 2 or win.best <= start_val + 1e-9:
        return None
    out = start.copy()
    out.partner[:] = np.where(win.best_a == m, -1, win.best_a)
    return out


LAST_ITERATIONS = [0]  # iterations of the last call, all threads (for benchmarks)


def warm() -> float:
    """Compile (or load from the cache) the kernel on a 2 x 3 problem; returns the seconds it
    took. Benchmarks call it before timing."""
    t0 = time.monotonic()
    V = np.array([[3.0, 1.0, 2.0], [1.0, 2.0, 2.0], [NEG, NEG, NEG]])
    W = np.ones((3, 3))
    cap = np.array([2.0, 2.0, np.inf])
    a = np.array([0, 0, 0], np.int64)
    dm = cast(Dense, _Mini(V, W, cap))
    r = Run(dm, a, 0)
    r.advance(4, 2)
    return time.monotonic() - t0


class _Mini:
    """Just the fields of ``Dense`` that ``Run`` reads."""

    def __init__(self, V: FloatArray, W: FloatArray, cap: FloatArray) -> None:
        self.value, self.effort, self.cap = V, W, cap
        self.m, self.n = V.shape[0] - 1, V.shape[1]
