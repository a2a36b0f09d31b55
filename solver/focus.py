"""Where the linear relaxation points: each account's few best pairs, and the LP's own cover.

On the hard GAP types the best known allocations use, for nearly every job, one of the job's
three agents of highest reduced value at the LP's prices (d20400 and d10200: every job; d40400:
388 of 400), while our allocations differ from them on a quarter to a half of the jobs
(bench/RESULTS.md, session 11). A tabu search over those few pairs, started from the LP's own
cover, ended better on average (two seeds, 5 s, one thread, four pairs a job) than the same
search over every pair on d10200, d20400, d40400 and e40400: ``FOCUS_PAIRS`` best pairs an
account keep the search where the relaxation says the optimum is.
"""

from __future__ import annotations

import numpy as np

from solver.bound import reduced_pair_values
from solver.lp import LPResult
from solver.prune import promising_pairs
from solver.result import Allocation
from solver.space import Space

FOCUS_PAIRS = 4  # pairs an account keeps, by reduced value at the LP's prices


def lp_cover(space: Space, lp: LPResult, fallback: Allocation) -> Allocation:
    """Each account on the partner of its largest LP column; an account without one keeps its
    partner in ``fallback``. Capacity is not checked: a start for a search that prices excess."""
    d = space.data
    out = fallback.copy()
    pairs = lp.pairs[lp.x > 1e-9]
    x = lp.x[lp.x > 1e-9]
    order = np.argsort(x, kind="stable")  # the largest column of an account is written last
    out.partner[d.pair_account[pairs[order]]] = d.pair_partner[pairs[order]]
    return out


def focused_space(space: Space, lp: LPResult, keep: list[Allocation],
                  per_account: int = FOCUS_PAIRS) -> Space:  # fmt: skip
    """``space`` cut to each account's ``per_account`` pairs of highest reduced value at the LP's
    multipliers, plus every pair an allocation in ``keep`` uses (so each stays a valid start)."""
    d = space.data
    score = np.zeros(len(space.coef))
    score[space.cand] = reduced_pair_values(space, lp.cap_dual, lp.count_dual, lp.spec_dual,
                                            lp.track_dual)  # fmt: skip
    allowed = np.zeros_like(space.allowed)
    allowed[promising_pairs(space, per_account, score)] = True
    for alloc in keep:
        a = np.flatnonzero(alloc.partner >= 0)
        idx = d.pair_index(a, alloc.partner[a])
        allowed[idx[idx >= 0]] = True
    return space.within(allowed)
