"""The bound tightened on the spare core (solver.spare_bound) where there is no LP: with the
subgradient's multipliers it still bounds the optimum of tiny problems with every rule (CP-SAT
proves it), it ends below the capacity Lagrangian it starts from on a heavy-tailed channel, its
subgradient steps hand over bounds before they end, and a solve with two workers and no LP runs
it beside its neighbourhood search (one worker: not); a cancel does not wait for it; its
knapsacks' choices guide neighbourhoods of the search."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from threading import Event

import numpy as np
import pytest

from solver import SolveParams, lns, separable, solve, spare_bound
from solver.bound import lagrangian_bound
from solver.cpsat.run import RunOutcome
from solver.greedy import greedy
from solver.lagrange import priced_subgradient
from solver.lp import LPResult
from solver.problem import ProblemData
from solver.prune import promising_pairs
from solver.result import Allocation
from solver.search import Search
from solver.space import build_space
from solver.spare_bound import bound_alongside, tighten_bound
from solver.validate import validate
from tests.solver.helpers import every_rule_channel

# no LP (subgradient multipliers) and no exact model over every pair: the path of 50k accounts
NO_LP = {"lp_max_pairs": 0, "full_model_max_pairs": 0}


def _search(data: ProblemData, incumbent: Allocation, cancel: Event | None = None
            ) -> tuple[Search, LPResult]:  # fmt: skip
    """A search holding ``incumbent``, and the first subgradient multipliers (what
    ``solve._relaxation`` computes where the LP is too large)."""
    space = build_space(data)
    search = Search(data, space, SolveParams(time_limit=60, workers=2, **NO_LP), None, cancel,
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


def test_the_subgradient_steps_hand_over_bounds_before_they_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # stopped (a cancel, the solve's end) one second into steps given a quarter of 60 s: the
    # bounds of the better multipliers reached the search on the way, each at least the
    # incumbent, the last below the capacity Lagrangian of the start
    monkeypatch.setattr(spare_bound, "REPORT_S", 0.1)
    monkeypatch.setattr(spare_bound, "SUBGRADIENT_MAX_ITER", 10**9)
    data = every_rule_channel(4, accounts=3000, partners=100, specialists=20)
    search, _lp = _search(data, greedy(data))
    # multipliers of two steps only, so that the steps from them keep improving (on 400
    # accounts the steps from the first multipliers found nothing better)
    lp = priced_subgradient(search.space, promising_pairs(search.space), search.best_obj, 5.0,
                            rounds=1, iters=2)  # fmt: skip
    start = lagrangian_bound(search.space, lp)
    handed: list[float] = []
    tighten = search.tighten
    monkeypatch.setattr(search, "tighten", lambda b: (handed.append(b), tighten(b)))
    tighten_bound(search, lp, _for(1.0))
    assert "spare_knapsack_steps" not in search.stats  # stopped within the subgradient steps
    assert len(handed) >= 2
    assert all(b >= search.best_obj for b in handed)
    assert search.bound == min(handed) < start


def test_a_solve_without_an_lp_runs_it_beside_the_search_when_a_core_is_spare() -> None:
    data = every_rule_channel(4, accounts=400, partners=20, specialists=6)
    two = solve(data, SolveParams(time_limit=4, workers=2, seed=0, **NO_LP))
    one = solve(data, SolveParams(time_limit=4, workers=1, seed=0, **NO_LP))
    assert two.stats["spare_knapsack_steps"] > 0
    assert two.stats["guided_steps"] > 0  # the knapsacks' choices reached the search
    assert "spare_knapsack_steps" not in one.stats and "spare_subgradient_s" not in one.stats
    assert two.objective <= two.bound < one.bound


def test_a_cancelled_solve_does_not_wait_for_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # a step in progress (building the knapsacks: 1.3 s at 50,000 accounts) would hold the
    # cancel's answer; without a cancel the body's end waits for the thread
    release = Event()
    monkeypatch.setattr(spare_bound, "tighten_bound", lambda *_args: release.wait(30))
    data = every_rule_channel(1, accounts=14, partners=4, specialists=3)
    cancel = Event()
    search, lp = _search(data, solve(data, SolveParams(time_limit=2, workers=1)).allocation,
                         cancel)  # fmt: skip
    with bound_alongside(search, lp) as running:
        assert running
        cancel.set()
    left = [t for t in threading.enumerate() if t.name == "allot-bound"]
    assert len(left) == 1 and left[0].is_alive()
    release.set()
    left[0].join(10)
    assert not left[0].is_alive()


def test_a_guided_step_frees_accounts_the_knapsacks_take_elsewhere_or_drop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = every_rule_channel(4, accounts=400, partners=20, specialists=6)
    search, lp = _search(data, solve(data, SolveParams(time_limit=1, workers=1)).allocation)
    spare = spare_bound.Spare()
    tighten_bound(search, lp, _for(2.0), spare)
    chosen = spare.choices()
    assert chosen is not None and len(chosen) > 0
    base = search.best
    assert base is not None
    before = search.best_obj
    calls: list[tuple[np.ndarray, dict[str, object]]] = []
    real = lns._sub_mip

    def spy(search: Search, free: np.ndarray, *args: object, **kw: object) -> RunOutcome:
        calls.append((free, kw))
        return real(search, free, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(lns, "_sub_mip", spy)
    size = lns._guided_step(search, lns._Neighbourhoods(search, lp), base, chosen, 50)
    ((free, kw),) = calls
    acc, part = data.pair_account[chosen], data.pair_partner[chosen]
    elsewhere = set(acc[part != base.partner[acc]].tolist())
    dropped = set(np.flatnonzero(base.partner >= 0).tolist()) - set(acc.tolist())
    assert 0 < len(free) <= 50 and set(free.tolist()) <= elsewhere | dropped
    assert kw["keep"] == 0 and kw["support"] is chosen  # their own pair and the knapsacks'
    assert search.best_obj >= before and search.stats["guided_steps"] == 1
    assert search.best is not None and not validate(data, search.best)
    assert size in (int(50 * 1.15) + 1, 50, int(50 * 0.85))


def test_the_kernels_load_ahead_where_only_the_spare_core_runs_the_knapsacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # knapsacks over DP_BUDGET (as at 50,000 accounts) but within SPARE_DP_BUDGET: the solve
    # still runs the kernel, beside the search, so the CLI and the solve worker load it first
    space = build_space(every_rule_channel(4, accounts=400, partners=20, specialists=6))
    cells = separable.knapsack_cells(space)
    monkeypatch.setattr(separable, "DP_BUDGET", cells - 1)
    assert separable.uses_kernels(space)
    monkeypatch.setattr(separable, "SPARE_DP_BUDGET", cells - 1)
    assert not separable.uses_kernels(space)
