"""The bound tightened on the spare core (solver.spare_bound) where there is no LP: with the
subgradient's multipliers it still bounds the optimum of tiny problems with every rule (CP-SAT
proves it), it ends below the capacity Lagrangian it starts from on a heavy-tailed channel, and
a solve with two workers and no LP runs it beside its neighbourhood search (one worker: not)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from solver import SolveParams, solve
from solver.bound import lagrangian_bound
from solver.lagrange import priced_subgradient
from solver.lp import LPResult
from solver.problem import ProblemData
from solver.prune import promising_pairs
from solver.result import Allocation
from solver.search import Search
from solver.space import build_space
from solver.spare_bound import tighten_bound
from tests.solver.helpers import every_rule_channel

# no LP (subgradient multipliers) and no exact model over every pair: the path of 50k accounts
NO_LP = {"lp_max_pairs": 0, "full_model_max_pairs": 0}


def _search(data: ProblemData, incumbent: Allocation) -> tuple[Search, LPResult]:
    """A search holding ``incumbent``, and the first subgradient multipliers (what
    ``solve._relaxation`` computes where the LP is too large)."""
    space = build_space(data)
    search = Search(data, space, SolveParams(time_limit=60, workers=2, **NO_LP), None, None,
                    time.monotonic())  # fmt: skip
    assert search.offer(incumbent)
    lp = priced_subgradient(space, promising_pairs(space), search.best_obj, 5.0)
    assert lp.status == "LAGRANGIAN"
    return search, lp


def _for(seconds: float) -> Callable[[], bool]:
    """A stop that answers true after ``seconds``."""
    end = time.monotonic() + seconds
    return lambda: time.monotonic() > end


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_bounds_the_optimum_of_problems_with_every_rule(seed: int) -> None:
    data = every_rule_channel(seed, accounts=14, partners=4, specialists=3)
    best = solve(data, SolveParams(time_limit=20, workers=1, seed=0))
    assert best.status.name == "OPTIMAL"
    search, lp = _search(data, best.allocation)
    tighten_bound(search, lp, _for(1.0))
    assert "spare_knapsack_steps" in search.stats
    assert search.bound >= best.objective - 1e-6 * max(1.0, abs(best.objective))


def test_it_ends_below_the_capacity_lagrangian_it_starts_from() -> None:
    # heavy-tailed workloads: the knapsacks keep big accounts whole, the Lagrangian splits them
    data = every_rule_channel(4, accounts=400, partners=20, specialists=6)
    search, lp = _search(data, solve(data, SolveParams(time_limit=1, workers=1)).allocation)
    start = lagrangian_bound(search.space, lp)
    tighten_bound(search, lp, _for(3.0))
    assert search.stats["spare_knapsack_steps"] > 0
    assert search.best_obj <= search.bound < start - 0.001 * abs(start)


def test_a_solve_without_an_lp_runs_it_beside_the_search_when_a_core_is_spare() -> None:
    data = every_rule_channel(4, accounts=400, partners=20, specialists=6)
    two = solve(data, SolveParams(time_limit=4, workers=2, seed=0, **NO_LP))
    one = solve(data, SolveParams(time_limit=4, workers=1, seed=0, **NO_LP))
    assert two.stats["spare_knapsack_steps"] > 0
    assert "spare_knapsack_steps" not in one.stats and "spare_subgradient_s" not in one.stats
    assert two.objective <= two.bound < one.bound
