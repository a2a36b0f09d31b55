"""Pair pruning for large problems: the LP sees only each account's most promising partners."""

from __future__ import annotations

import numpy as np

from solver.problem import IntArray
from solver.space import Space

KEEP_PER_ACCOUNT = 8


def promising_pairs(space: Space, keep: int = KEEP_PER_ACCOUNT) -> IntArray:
    """The ``keep`` allowed pairs with the highest value per unit of effort-weighted value."""
    pairs, rank = space.ranked(space.coef)
    return np.sort(pairs[rank < keep])
