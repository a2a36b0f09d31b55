"""Column generation and diving (solver.column_dive): on random tiny GAP instances the root
master lies between the optimum (brute force) and the Lagrangian bound it reports, and every
dive ends in an allocation that passes the validator and is no better than the optimum; the
bound is at least as tight as the subgradient's; on c05100 the first dive is within 0.5 % of
the optimum; a first dive that fixes the columns above one half takes a few nodes and ends
near d20100's optimum; it declines what it cannot price exactly; on d20100 its dives are
offered to the search and its root bound tightens the search's; with few partners it leaves
the time to polish; in a solve the compiled tabu search runs beside them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from solver import SolveParams, evaluate, problem_from_dict, solve, validate
from solver.column_dive import ColumnDive, column_dives
from solver.gap import GapInstance, read_gap_file
from solver.greedy import greedy_space
from solver.knapsack_bound import KnapsackDual
from solver.problem import ProblemData
from solver.search import Search
from solver.separable import DIVE_MAX_LOAD
from solver.space import build_space
from tests.solver.helpers import brute_force, gap_dict, random_gap_dict

DATA = Path(__file__).resolve().parent.parent / "data" / "gap"


@pytest.mark.parametrize("must_cover", [True, False])
def test_root_and_dives_against_brute_force(must_cover: bool) -> None:
    rng = np.random.default_rng(11 if must_cover else 12)
    checked = 0
    for _ in range(25):
        data = problem_from_dict(random_gap_dict(rng, fractional=False, must_cover=must_cover))
        opt = brute_force(data)
        space = build_space(data)
        dive = ColumnDive.create(space, None, greedy_space(space))
        assert dive is not None
        z = dive.generate(time.monotonic() + 10) + space.constant
        if opt is not None:
            assert opt <= z + 1e-6 <= dive.center_l + space.constant + 2e-6
        drawn = np.random.default_rng(0)
        for k in range(3):
            out = dive.dive(time.monotonic() + 10, rng=drawn if k else None)
            assert out is not None
            alloc, left = out
            if left == 0:  # every fixed column fits: a valid allocation, so one exists
                assert opt is not None and validate(data, alloc) == []
                assert evaluate(data, alloc) <= opt + 1e-6
            else:
                assert must_cover  # only accounts that must be covered are left to repair
        checked += opt is not None
    assert checked >= 15


def test_root_bound_at_least_as_tight_as_the_subgradient() -> None:
    inst = read_gap_file(DATA / "c05100")[0]
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    g = greedy_space(space)
    dual = KnapsackDual.create(space)
    assert dual is not None
    sub = dual.run(evaluate(data, g), 10.0, 300)
    dive = ColumnDive.create(space, sub.u, g)
    assert dive is not None
    dive.generate(time.monotonic() + 30)
    # the master's optimum is the Lagrangian dual's: never above what the subgradient reached
    assert dive.center_l + space.constant <= sub.bound + 1e-6
    assert inst.cost_of(dive.center_l + space.constant) <= 1931 + 1e-6  # the proven optimum


def _dive(name: str) -> tuple[GapInstance, ProblemData, ColumnDive]:
    """The instance, its problem and a dive over it from the greedy allocation's columns."""
    inst = read_gap_file(DATA / name)[0]
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    dive = ColumnDive.create(space, None, greedy_space(space))
    assert dive is not None
    return inst, data, dive


def test_first_dive_on_c05100_is_near_the_optimum() -> None:
    inst, data, dive = _dive("c05100")
    out = dive.dive(time.monotonic() + 60)
    assert out is not None
    alloc, left = out
    assert left == 0 and validate(data, alloc) == []
    cost = inst.cost_of(evaluate(data, alloc))
    assert 1931 <= cost <= 1931 * 1.005


def test_a_majority_dive_on_d20100_takes_few_nodes_and_ends_near_the_optimum() -> None:
    inst, data, dive = _dive("d20100")
    dive.generate(time.monotonic() + 60)  # the root, shared by both dives
    nodes = 0
    generate = dive.generate

    def counted(*args: Any, **kwargs: Any) -> float:
        nonlocal nodes
        nodes += 1
        return generate(*args, **kwargs)

    dive.generate = counted  # type: ignore[method-assign]
    ends = []
    for majority in (True, False):
        nodes = 0
        out = dive.dive(time.monotonic() + 60, majority=majority)
        assert out is not None and out[1] == 0 and validate(data, out[0]) == []
        ends.append((nodes, inst.cost_of(evaluate(data, out[0]))))
    (fewer, cost), (one_by_one, _) = ends
    # 20 partners: a largest-column dive fixes about one a node; columns above one half
    # several at once
    assert fewer < one_by_one / 2
    assert 6185 <= cost <= 6185 * 1.001  # the proven optimum


def test_declines_scaled_capacities_and_coupled_problems() -> None:
    fractional = problem_from_dict(gap_dict([[3, 2], [1, 4]], [[1.5, 2.0], [2.0, 1.5]], [2.5, 2.5]))
    assert ColumnDive.create(build_space(fractional)) is None
    from tests.solver.helpers import tiny  # a specialist adds revenue: not pair-separable

    assert ColumnDive.create(build_space(problem_from_dict(tiny()))) is None


def test_column_dives_offer_valid_allocations_to_the_search() -> None:
    inst = read_gap_file(DATA / "d20100")[0]
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    search = Search(data, space, SolveParams(time_limit=20), None, None, time.monotonic())
    first = ColumnDive.create(space, None, greedy_space(space))
    assert first is not None
    drawn = np.random.default_rng(3)
    start = None
    for k in range(8):  # greedy leaves accounts out: a dive's valid allocation as the start
        out = first.dive(time.monotonic() + 60, rng=drawn if k else None)
        assert out is not None
        if out[1] == 0:
            start = out[0]
            break
    assert start is not None and search.offer(start)
    before = search.best_obj
    dual = KnapsackDual.create(space)
    assert dual is not None
    dual.run(before, 10.0, 300)  # as in a solve: the knapsack stage's search goes on in the dives
    done = column_dives(search, dual, 0.25)
    assert dual.steps > 300 or dual.finished  # it seeded the master
    assert done >= 2 and search.stats["dives"] == done
    assert search.best_obj >= before and validate(data, search.best) == []
    assert np.isfinite(search.bound) and search.bound >= search.best_obj
    # the root's Lagrangian bound, in cost terms at most the proven optimum 6,185 and close to it
    assert 6185 * 0.997 <= inst.cost_of(search.bound) <= 6185 + 1e-6


def test_column_dives_leave_problems_with_few_partners_to_polish() -> None:
    inst = read_gap_file(DATA / "c05100")[0]  # 20 accounts a partner: above DIVE_MAX_LOAD
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    search = Search(data, space, SolveParams(time_limit=20), None, None, time.monotonic())
    first = ColumnDive.create(space, None, greedy_space(space))
    assert first is not None
    out = first.dive(time.monotonic() + 60)
    assert out is not None and out[1] == 0 and search.offer(out[0])
    assert data.n_accounts > DIVE_MAX_LOAD * data.n_partners
    assert column_dives(search, None, 0.25) == 0 and "dives" not in search.stats


def test_a_solve_runs_the_tabu_search_beside_the_dives() -> None:
    """d20100 (2,000 pairs, 20 partners): the tabu search runs beside the exact model and again
    beside the dives, on the core their master LPs leave free."""
    inst = read_gap_file(DATA / "d20100")[0]
    data = problem_from_dict(inst.to_problem_dict())
    res = solve(data, SolveParams(time_limit=4.0, workers=2))
    assert "dives" in res.stats  # column_dives ran, its root converged or abandoned
    assert res.stats["alongside_runs"] == 2
    assert validate(data, res.allocation) == [] and res.objective <= res.bound + 1e-6
