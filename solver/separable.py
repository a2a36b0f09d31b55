"""Pair-separable problems: the test and the dense matrices the compiled tabu search runs on.

When no specialist can add revenue and no track share applies, the allocation problem is a
generalised assignment problem: each account takes one allowed partner (or none, unless it
must be covered), each pair has a value and an effort, each partner a capacity (and no limit
on its number of accounts). Then a move's effect is known from a few array lookups: the tabu
search of ``solver.ejection`` (shift, swap and ejection-chain moves, capacity priced rather
than enforced) scores its moves on the matrices of ``Dense``. ``applies`` decides whether a
problem has this form; ``local_search`` asks it before running that search.

``uses_kernels`` tells callers, without importing numba, whether a solve may run a compiled
kernel at all: the tabu search here, or the knapsack bound (``knapsack_cells``, ``DP_BUDGET``),
which runs on problems of any form whose partner knapsacks are small enough.
"""

from __future__ import annotations

import numpy as np

from solver.problem import BoolArray, FloatArray
from solver.space import Space

NEG = -1e30  # minus infinity of the search: a pair that is not allowed, no valid allocation yet
# the knapsack bound's DP (``solver.knapsack_bound``, which explains both): here so that callers
# can tell whether it will run without importing numba
CAP_MAX = 1000  # scaled capacity units per partner at most (DP columns - 1)
# sum over partners of allowed pairs x (scaled capacity + 1): the work of one evaluation at
# worst (items with no reduced profit are skipped, crowded weights thinned). d40400 has 6.5e6
# and takes 5 ms a step, so 300 steps 1.6 s; above 1e7 a step takes ~8 ms and the 1 s solve.py
# allows gives under ~120 steps, where d40400 was still within 0.3 of its LP bound. Every A-E
# instance up to 400 jobs and c/e x 900 (6.8-9.8e6) are within; d x 900 and every 1,600-job
# one (13-104e6) are not; the 5,000-account synthetic channel has 3.0e6, the 50,000-account
# one 3.7e8
DP_BUDGET = 10_000_000
# where there is no LP the knapsacks run on the core the search leaves idle instead
# (``solver.spare_bound``), as long as one evaluation stays within this: the 50,000-account
# channel's 3.7e8 cells, 2.0e7 once crowded weights are thinned, take 0.11 s a step there
# (0.39 s without the thinning on the same machine)
SPARE_DP_BUDGET = 1_000_000_000
# the column dives (``solver.column_dive``, which explains both): here so that solve.py can
# tell whether they will run without importing numba
DIVE_MAX_PAIRS = 4_000
DIVE_MAX_LOAD = 10  # accounts per partner


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


def knapsack_capacities(space: Space) -> tuple[FloatArray, BoolArray]:
    """Each partner's knapsack capacity for the knapsack bound (its capacity, never more than the
    effort of all its allowed pairs) and whether its DP runs unscaled (integer efforts, integer
    capacity of at most ``CAP_MAX``); ``solver.knapsack_bound`` scales the others."""
    d = space.data
    k = space.cand
    p = d.pair_partner[k]
    effort = d.pair_effort[k].astype(np.float64)
    total = np.bincount(p, weights=effort, minlength=d.n_partners)
    cap = np.minimum(np.asarray(d.partner_capacity, np.float64), total)
    integral = bool((effort == np.round(effort)).all())
    whole: BoolArray = integral & (cap == np.floor(cap)) & (cap <= CAP_MAX)
    return cap, whole


def knapsack_cells(space: Space) -> int:
    """The knapsack bound's DP cells per evaluation (``DP_BUDGET``), from the same scaling as
    ``solver.knapsack_bound`` up to a column per partner (its capacity tolerance)."""
    cap, whole = knapsack_capacities(space)
    n_i = np.bincount(space.data.pair_partner[space.cand], minlength=len(cap))
    cols = np.where(whole, cap, CAP_MAX) + 1
    return int((n_i * cols).sum())


def uses_kernels(space: Space) -> bool:
    """Whether solving may run a compiled (numba) kernel, so that callers can load them ahead:
    pair-separable problems run the tabu search, and every problem whose partner knapsacks fit
    ``DP_BUDGET`` the knapsack bound (``solver.knapsack_bound``), or ``SPARE_DP_BUDGET`` beside
    the search where there is no LP (``solver.spare_bound``; the first solve after an install
    would otherwise compile the kernel there, 10-20 s, sharing the GIL with the search)."""
    if len(space.cand) == 0 or space.data.n_partners == 0:
        return False
    return applies(space) or knapsack_cells(space) <= max(DP_BUDGET, SPARE_DP_BUDGET)


def dives_apply(space: Space) -> bool:
    """Whether the column dives (``solver.column_dive``) run on this problem: pair-separable,
    at most ``DIVE_MAX_PAIRS`` allowed pairs and at most ``DIVE_MAX_LOAD`` accounts per partner
    (where they paid within a 10 s solve)."""
    d = space.data
    if len(space.cand) > DIVE_MAX_PAIRS or d.n_accounts > DIVE_MAX_LOAD * d.n_partners:
        return False
    return applies(space)
