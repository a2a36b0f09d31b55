"""The rows of ``solver.lp``'s model as one sparse matrix, built with numpy.

``solver.lp`` first added its rows one at a time through the model_builder helper: about half a
million Python calls for the 5,000-account channel's LP (0.25-0.5 s of a 10 s solve), again
for every RINS MIP of thousands of accounts, holding the GIL meanwhile. Here each block of rows
is a few numpy operations and the model is handed over in one call
(``fill_model_from_sparse_data``, a scipy CSR matrix): 0.03-0.07 s. The rows, their order and
their coefficients are the ones of ``solver.lp``'s docstring, so the LP is the same (values and
duals identical to the unit, 2026-12-07, bench/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from solver.problem import FloatArray, IntArray


@dataclass
class SparseRows:
    """Blocks of rows over a fixed number of columns, then the model built from them."""

    n_cols: int
    _rows: list[IntArray] = field(default_factory=list)
    _cols: list[IntArray] = field(default_factory=list)
    _vals: list[FloatArray] = field(default_factory=list)
    _lo: list[FloatArray] = field(default_factory=list)
    _hi: list[FloatArray] = field(default_factory=list)
    n_rows: int = 0

    def block(self, row: IntArray, col: IntArray, val: FloatArray | float,
              lo: FloatArray | float, hi: FloatArray | float, n: int) -> int:  # fmt: skip
        """Append ``n`` rows whose entries are (``row`` within the block, ``col``, ``val``) and
        whose bounds are ``lo`` and ``hi`` (one each, or one for all); returns the index of the
        block's first row. An entry outside the block's rows is a bug: it raises ValueError."""
        first = self.n_rows
        rows = np.asarray(row, np.int64)
        if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= n):
            raise ValueError(f"a row index outside this block of {n} rows")
        if n == 0:
            return first
        self._rows.append(rows + first)
        self._cols.append(np.asarray(col, np.int64))
        self._vals.append(np.broadcast_to(np.asarray(val, np.float64), (len(col),)))
        self._lo.append(np.broadcast_to(np.asarray(lo, np.float64), (n,)))
        self._hi.append(np.broadcast_to(np.asarray(hi, np.float64), (n,)))
        self.n_rows += n
        return first

    def fill(self, helper: mbh.ModelBuilderHelper, var_lo: FloatArray, var_hi: FloatArray,
             objective: FloatArray) -> None:  # fmt: skip
        """Columns with these bounds and objective, and every row, into an empty ``helper``."""
        if self.n_rows:
            rows, cols = np.concatenate(self._rows), np.concatenate(self._cols)
            vals = np.concatenate(self._vals)
            lo, hi = np.concatenate(self._lo), np.concatenate(self._hi)
        else:
            rows = cols = np.zeros(0, np.int64)
            vals = lo = hi = np.zeros(0)
        matrix = sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        v_lo, v_hi, obj, r_lo, r_hi = (
            np.ascontiguousarray(a, np.float64) for a in (var_lo, var_hi, objective, lo, hi)
        )
        # the helper's stubs name the arrays' type wrongly (ndarray[float64, ...])
        fill = helper.fill_model_from_sparse_data
        fill(v_lo, v_hi, obj, r_lo, r_hi, matrix)  # type: ignore[arg-type]


def group_rows(keys: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct keys in ascending order, and for each entry the index of its key's row."""
    uniq, row = np.unique(keys, return_inverse=True)
    return uniq, row.reshape(-1).astype(np.int64)
