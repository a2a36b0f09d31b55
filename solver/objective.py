"""Independent float recomputation of the objective from an allocation (no solver involved).

    objective = sum over assigned accounts of E(a, p, S)  -  stickiness penalty
    E(a, p, S) = value(a, p) + sum_l ws(a, l) * (min(1, rate(p, l) + lift(s_l)) - rate(p, l))

where value(a, p) is sum_l ws(a, l) * rate(p, l) unless the problem's ``pairs`` override it.
"""

from __future__ import annotations

import numpy as np

from solver.problem import FloatArray, ProblemData
from solver.result import Allocation


def account_revenue(data: ProblemData, alloc: Allocation) -> FloatArray:
    """Expected attach revenue E per account (0 for unassigned accounts and bad pairs)."""
    rev = np.zeros(data.n_accounts)
    assigned = np.flatnonzero(alloc.partner >= 0)
    if len(assigned) == 0:
        return rev
    part = alloc.partner[assigned]
    k = data.pair_index(assigned, part)
    ok = k >= 0
    rev[assigned[ok]] = data.pair_value[k[ok]]
    spec = alloc.specialist[assigned]
    rows, lines = np.nonzero(spec >= 0)
    s = spec[rows, lines]
    a = assigned[rows]
    rate = data.partner_rates[part[rows], lines]
    gain = data.whitespace[a, lines] * (np.minimum(1.0, rate + data.specialist_lift[s]) - rate)
    np.add.at(rev, a, gain)
    return rev


def stickiness_penalty(data: ProblemData, alloc: Allocation) -> float:
    """stickiness x total whitespace of every account moved away from its incumbent."""
    moved = (data.account_incumbent >= 0) & (alloc.partner != data.account_incumbent)
    return float(data.policy.stickiness * data.account_total_whitespace[moved].sum())


def evaluate(data: ProblemData, alloc: Allocation) -> float:
    """The objective of an allocation, recomputed in floating point from the problem data."""
    return float(account_revenue(data, alloc).sum()) - stickiness_penalty(data, alloc)
