"""Pair-separable problems: the test and the dense matrices the compiled tabu search runs on.

When no specialist can add revenue and no track share applies, the allocation problem is a
generalised assignment problem: each account takes one allowed partner (or none, unless it
must be covered), each pair has a value and an effort, each partner a capacity (and no limit
on its number of accounts). Then a move's effect is known from a few array lookups: the tabu
search of ``solver.ejection`` (shift, swap and ejection-chain moves, capacity priced rather
than enforced) scores its moves on the matrices of ``Dense``. ``applies`` decides whether a
problem has this form; ``local_search`` asks it before running that search.
"""

from __future__ import annotations

import numpy as np

from solver.space import Space

NEG = -1e30  # minus infinity of the search: a pair that is not allowed, no valid allocation yet


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
