"""The LP's rows as one sparse matrix (``solver.lp_rows``) and the relaxation built from them."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.linear_solver.python import model_builder_helper as mbh

from solver import problem_from_dict
from solver.lp import solve_lp
from solver.lp_rows import SparseRows, group_rows
from solver.space import build_space
from tests.solver.helpers import tiny


def _solve(
    rows: SparseRows, upper: list[float], objective: list[float]
) -> tuple[float, list[float]]:
    helper = mbh.ModelBuilderHelper()
    n = len(upper)
    rows.fill(helper, np.zeros(n), np.array(upper), np.array(objective))
    helper.set_maximize(True)
    solver = mbh.ModelSolverHelper("glop")
    solver.solve(helper)
    assert solver.status().name == "OPTIMAL"
    return float(solver.objective_value()), list(np.asarray(solver.variable_values()))


def test_blocks_keep_their_rows_bounds_and_offsets() -> None:
    # max x + y, x + 2y <= 4 and 3x + y <= 6 (one block), then y >= 0.5 (a second block whose
    # rows start after the first's): the two first rows meet at x = 1.6, y = 1.2, value 2.8
    rows = SparseRows(2)
    first = rows.block(
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 1]),
        np.array([1.0, 2.0, 3.0, 1.0]),
        -np.inf,
        np.array([4.0, 6.0]),
        2,
    )
    second = rows.block(np.array([0]), np.array([1]), 1.0, 0.5, np.inf, 1)
    assert (first, second, rows.n_rows) == (0, 2, 3)
    value, x = _solve(rows, [10.0, 10.0], [1.0, 1.0])
    assert abs(value - 2.8) < 1e-9
    assert np.allclose(x, [1.6, 1.2])
    # the second block's floor above the meeting point: y = 1.8, then x + 2y <= 4 leaves x = 0.4
    rows = SparseRows(2)
    rows.block(
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 1]),
        np.array([1.0, 2.0, 3.0, 1.0]),
        -np.inf,
        np.array([4.0, 6.0]),
        2,
    )
    rows.block(np.array([0]), np.array([1]), 1.0, 1.8, np.inf, 1)
    value, x = _solve(rows, [10.0, 10.0], [1.0, 1.0])
    assert np.allclose(x, [0.4, 1.8])
    assert abs(value - 2.2) < 1e-9


def test_an_empty_block_adds_nothing() -> None:
    rows = SparseRows(1)
    assert rows.block(np.zeros(0, np.int64), np.zeros(0, np.int64), 1.0, 0.0, 1.0, 0) == 0
    assert rows.n_rows == 0
    value, x = _solve(rows, [3.0], [2.0])  # no rows: the column's bound alone
    assert (value, x) == (6.0, [3.0])


def test_an_entry_outside_its_block_is_refused() -> None:
    rows = SparseRows(2)
    with pytest.raises(ValueError, match="outside this block of 1 rows"):
        rows.block(np.array([0, 1]), np.array([0, 1]), 1.0, 0.0, 1.0, 1)
    with pytest.raises(ValueError, match="of 0 rows"):
        rows.block(np.array([0]), np.array([0]), 1.0, 0.0, 1.0, 0)
    assert rows.n_rows == 0


def test_group_rows_numbers_keys_in_ascending_order() -> None:
    keys, row = group_rows(np.array([7, 3, 7, 5, 3]))
    assert keys.tolist() == [3, 5, 7]
    assert row.tolist() == [2, 0, 2, 1, 0]


def test_the_relaxation_prices_capacity_and_specialists() -> None:
    # helpers.tiny() cut down to two accounts of effort 1 (A1 whitespace 100, A2 60), partner P1
    # (capacity 1.5, rate 0.5 on line L) and specialist S (capacity 1, lift 0.3). Pair values:
    # A1 100 * 0.5 = 50, A2 60 * 0.5 = 30; specialist gains: A1 100 * min(0.3, 1 - 0.5) = 30,
    # A2 18. The LP takes A1 whole, half of A2 and the specialist on A1: 50 + 15 + 30 = 95.
    # Half a unit of capacity either way moves A2 only, so the partner's price is exactly 30;
    # one unit of specialist capacity more or less is worth between A2's gain (18) and A1's (30)
    problem = tiny()
    problem["partners"] = problem["partners"][:1]
    problem["partners"][0]["capacity"] = 1.5
    problem["accounts"] = problem["accounts"][:2]
    problem["accounts"][1]["whitespace"] = {"L": 60}
    problem["specialists"][0]["lift"] = 0.3
    lp = solve_lp(build_space(problem_from_dict(problem)))
    assert lp.ok
    assert abs(lp.objective - 95.0) < 1e-6
    assert abs(lp.cap_dual[0] - 30.0) < 1e-6
    assert 18.0 - 1e-6 <= lp.spec_dual[0] <= 30.0 + 1e-6
