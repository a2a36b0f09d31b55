"""Pair pruning for large problems: the LP sees only each account's most promising partners."""

from __future__ import annotations

import numpy as np

from solver.problem import IntArray
from solver.space import Space

KEEP_PER_ACCOUNT = 12


def promising_pairs(space: Space, keep: int = KEEP_PER_ACCOUNT) -> IntArray:
    """The ``keep`` allowed pairs with the highest value per unit of effort-weighted value."""
    d = space.data
    k = space.cand
    acc = d.pair_account[k]
    score = space.coef[k]
    order = np.lexsort((-score, acc))
    rank = np.arange(len(order)) - space.cand_start[acc[order]]
    return np.sort(k[order[rank < keep]])
