"""Pair pruning for large problems: the multipliers are computed on each account's best pairs."""

from __future__ import annotations

import numpy as np

from solver.problem import FloatArray, IntArray
from solver.space import Space

KEEP_PER_ACCOUNT = 24
PAD_MAX = 40_000_000  # cells of the padded account x pair matrix


def promising_pairs(
    space: Space, keep: int = KEEP_PER_ACCOUNT, score: FloatArray | None = None
) -> IntArray:
    """The ``keep`` allowed pairs of highest ``score`` (default: value) per account, sorted.

    A padded account x pair matrix and ``argpartition`` (linear time) instead of sorting
    millions of pairs; falls back to two flat sorts when the matrix would be too large.
    """
    d = space.data
    score = space.coef if score is None else score
    deg = np.diff(space.cand_start)
    width = int(deg.max(initial=0))
    if width <= keep:
        return space.cand.copy()
    if d.n_accounts * width > PAD_MAX:
        pairs, rank = space.ranked(score)
        return np.sort(pairs[rank < keep])
    acc = d.pair_account[space.cand]
    col = np.arange(len(space.cand)) - space.cand_start[acc]
    mat = np.full((d.n_accounts, width), -np.inf)
    mat[acc, col] = score[space.cand]
    top = np.argpartition(-mat, keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(d.n_accounts), keep)
    cols = top.ravel()
    ok = cols < deg[rows]
    return np.sort(space.cand[space.cand_start[rows[ok]] + cols[ok]])
