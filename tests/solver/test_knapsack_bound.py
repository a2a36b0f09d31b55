"""The knapsack Lagrangian bound (solver.knapsack_bound): at least the optimum on every small
instance (brute force), whatever the multipliers, with non-integer efforts, optional accounts
and pins; strictly tighter than the LP where the LP splits an account; with the LP's multipliers
for the other rows, at least the optimum of tiny channel problems with every rule (CP-SAT proves
it) and well below the LP on a larger one; resumable; the same step for step with its knapsacks
shared among threads; and its choices are the knapsacks'."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

from solver import SolveParams, problem_from_dict, solve
from solver.gap import read_gap_file
from solver.knapsack_bound import (
    CAP_MAX,
    KnapsackDual,
    knapsack_lagrangian,
    warm,
)
from solver.lp import LPResult, solve_lp
from solver.problem import FloatArray
from solver.space import Space, build_space
from tests.solver.helpers import brute_force, every_rule_channel, gap_dict, random_gap_dict

DATA = Path(__file__).resolve().parent.parent / "data" / "gap"


def test_warm_compiles_the_kernel() -> None:
    assert warm() >= 0.0


def test_tighter_than_the_lp_when_the_lp_splits_an_account() -> None:
    # Two agents of capacity 3, three optional jobs of effort 2 and value 1 everywhere. Each
    # agent fits one job (two weigh 4 > 3): optimum 2. The LP fills both agents to 3 with one
    # whole job and half of the third (2 + 1 = 3 each): LP bound 3. The knapsack Lagrangian at
    # u = 0 is 0 + one job per agent = 2, the optimum; u = (a, a, a) gives 3a + 2 (1 - a)
    # = 2 + a, so the subgradient only has to bring u down to 0.
    data = problem_from_dict(gap_dict([[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [2, 2, 2]], [3, 3],
                                       must_cover=False))  # fmt: skip
    space = build_space(data)
    lp = solve_lp(space, time_limit=5)
    assert lp.objective == pytest.approx(3.0)
    bound = knapsack_bound(space, 2.0, 5.0)
    assert bound is not None
    assert 2.0 - 1e-9 <= bound <= 2.05
    assert brute_force(data) == 2.0


def test_tighter_than_the_lp_on_c05100() -> None:
    inst = next(i for i in read_gap_file(DATA / "c05100") if i.name == "c05100")
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    lp = solve_lp(space, time_limit=10)
    best = inst.objective_of(1931)  # best known (proven optimal) cost of c05100
    bound = knapsack_bound(space, best, 5.0, lp=lp)
    assert bound is not None
    assert best - 1e-6 <= bound < lp.objective - 1.0  # in cost terms: LP 1923.9, this > 1925


@pytest.mark.parametrize("fractional", [False, True])
@pytest.mark.parametrize("must_cover", [False, True])
def test_every_multiplier_bounds_the_optimum(fractional: bool, must_cover: bool) -> None:
    # Weak duality for any u (>= 0 where the account may stay out): one evaluation from
    # random multipliers, and the subgradient from the default start with a low target.
    rng = np.random.default_rng(7 + 2 * fractional + must_cover)
    checked = 0
    for _ in range(12):
        data = problem_from_dict(random_gap_dict(rng, fractional, must_cover))
        opt = brute_force(data)
        if opt is None:
            continue
        space = build_space(data)
        checked += 1
        for trial in range(4):
            u = rng.normal(5.0, 10.0, data.n_accounts)
            if not must_cover:
                u = np.abs(u)
            out = knapsack_lagrangian(space, opt, 1.0, start_u=u, iterations=1 + trial * 20)
            assert out is not None
            assert out.bound >= opt - 1e-9
        bound = knapsack_bound(space, opt - 5.0, 1.0)
        assert bound is not None and bound >= opt - 1e-9
    assert checked >= 6


def _best_load(space: Space, partner: int, u: FloatArray) -> float:
    """The partner's knapsack optimum at multipliers ``u``, by enumerating every subset of its
    allowed pairs."""
    d = space.data
    mine = space.cand[d.pair_partner[space.cand] == partner]
    p = space.coef[mine] - u[d.pair_account[mine]]
    w = d.pair_effort[mine]
    best = 0.0
    for take in itertools.product([0, 1], repeat=len(mine)):
        t = np.array(take, bool)
        if w[t].sum() <= d.partner_capacity[partner]:
            best = max(best, float(p[t].sum()))
    return best


def test_integer_knapsacks_are_solved_exactly() -> None:
    # L(u) against enumerating every subset of every partner's jobs (integer efforts and
    # capacities up to CAP_MAX are not scaled, so the DP must be exact).
    rng = np.random.default_rng(3)
    for _ in range(10):
        data = problem_from_dict(random_gap_dict(rng, False, False))
        space = build_space(data)
        u = np.abs(rng.normal(8.0, 8.0, data.n_accounts))
        expected = float(u.sum()) + space.constant
        expected += sum(_best_load(space, i, u) for i in range(data.n_partners))
        out = knapsack_lagrangian(space, 0.0, 1.0, start_u=u, iterations=1)
        assert out is not None
        assert out.bound == pytest.approx(expected, abs=1e-9)


def test_crowded_weights_are_thinned_without_changing_the_optimum() -> None:
    # Capacity 6 and twelve jobs per agent: of weight 1 for agent 0 (six fit), 2 for agent 1
    # (three fit) and 1-3 for agent 2, so every weight is crowded and only its most profitable
    # items enter the DP; agents 0 and 1 fill up with exactly as many as fit. At random
    # multipliers (several jobs priced out, ties among equal profits included) every
    # knapsack's optimum and its choices must be those of enumerating all 4,096 subsets.
    rng = np.random.default_rng(11)
    m, n, cap = 3, 12, 6
    value = rng.integers(1, 6, (m, n)).astype(float).tolist()
    effort = [[1.0] * n, [2.0] * n, rng.integers(1, 4, n).astype(float).tolist()]
    data = problem_from_dict(gap_dict(value, effort, [cap] * m, must_cover=False))
    space = build_space(data)
    dual = KnapsackDual.create(space)
    assert dual is not None
    ks = dual.ks
    assert len(ks.limit) > 0 and (ks.entering < np.diff(ks.start)).all()  # thinned everywhere
    for _ in range(20):
        u = np.where(rng.random(n) < 0.3, rng.integers(0, 4, n), 0).astype(float)
        got = ks.value(u) + space.constant
        expected = float(u.sum()) + space.constant
        for i in range(m):
            best = _best_load(space, i, u)
            expected += best
            taken = ks.pair[ks.start[i] : ks.start[i + 1]][ks.took[ks.start[i] : ks.start[i + 1]]]
            assert data.pair_effort[taken].sum() <= cap
            assert (space.coef[taken] - u[data.pair_account[taken]]).sum() == pytest.approx(best)
        assert got == pytest.approx(expected, abs=1e-9)


def test_fractional_efforts_are_scaled_without_losing_validity() -> None:
    # Capacity 1.0 and efforts 0.34 / 0.33 / 0.33: all three jobs fit agent 0 exactly
    # (1.00), which flooring each scaled effort must not forbid (one job more than fits is
    # never allowed: 0.34 + 0.33 + 0.34 > 1). Agent 1 is useless (value 0).
    data = problem_from_dict(gap_dict([[10, 10, 10], [0, 0, 0]],
                                       [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]], [1.0, 1.0],
                                       must_cover=False))  # fmt: skip
    space = build_space(data)
    bound = knapsack_bound(space, 30.0, 1.0)
    assert bound is not None and bound >= 30.0 - 1e-9
    assert brute_force(data) == 30.0


def test_capacities_above_cap_max_are_scaled_down_validly() -> None:
    # integer efforts of 300-3,000 and capacities of several thousand: scaled to CAP_MAX
    # units with efforts rounded down, still at least the optimum
    rng = np.random.default_rng(11)
    for _ in range(8):
        d = random_gap_dict(rng, False, bool(rng.integers(2)))
        for pair in d["pairs"]:
            pair["effort"] *= 307
        for partner in d["partners"]:
            partner["capacity"] *= 307
        data = problem_from_dict(d)
        assert data.partner_capacity.max() > CAP_MAX
        opt = brute_force(data)
        if opt is None:
            continue
        space = build_space(data)
        for u in (None, np.abs(rng.normal(5.0, 10.0, data.n_accounts))):
            out = knapsack_lagrangian(space, opt, 1.0, start_u=u, iterations=30)
            assert out is not None and out.bound >= opt - 1e-9


def test_pins_restrict_the_account_to_its_partner() -> None:
    # Job 0 is worth 10 on agent 0 and 1 on agent 1 but is pinned to agent 1, which has room
    # for one job (capacity 2, efforts 2): agent 1 must take job 0 (value 1), job 1 goes to
    # agent 0 (value 5). Optimum 6; without the pin it would be 10 + 4 = 14.
    d = gap_dict([[10, 5], [1, 4]], [[2, 2], [2, 2]], [2, 2], must_cover=False)
    d["policy"]["pins"] = [{"account": "job0", "partner": "agent1"}]
    data = problem_from_dict(d)
    assert brute_force(data) == 6.0
    space = build_space(data)
    bound = knapsack_bound(space, 6.0, 1.0)
    assert bound is not None
    assert 6.0 - 1e-9 <= bound <= 6.0 + 1e-6


def test_not_applicable_returns_none() -> None:
    data = problem_from_dict(gap_dict([[1, 2]], [[1, 1]], [2]))  # one partner: not a GAP here
    assert knapsack_bound(build_space(data), 3.0, 1.0) is None
    data = problem_from_dict(gap_dict([[1, 2], [2, 1]], [[1, 1], [1, 1]], [2, 2]))
    assert knapsack_bound(build_space(data), float("-inf"), 1.0) is None


def test_solve_tightens_its_bound_by_the_knapsack_bound_on_c05100() -> None:
    # without the first exact model (which proves c05100 at once) the knapsack bound runs
    # before polish; the reported bound is then below the LP's
    inst = next(i for i in read_gap_file(DATA / "c05100") if i.name == "c05100")
    data = problem_from_dict(inst.to_problem_dict())
    lp = solve_lp(build_space(data), time_limit=10)
    res = solve(data, SolveParams(time_limit=3, workers=1, seed=0, full_model_max_pairs=0))
    assert "knapsack_s" in res.stats
    assert res.objective <= res.bound + 1e-6 * max(1.0, abs(res.bound))
    assert res.bound < lp.objective - 1.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_the_lp_multipliers_it_bounds_the_optimum_of_problems_with_every_rule(
    seed: int,
) -> None:
    # tiny enough for CP-SAT to prove the optimum; the bound prices specialist capacity, the
    # account limit and the track share at the LP's multipliers and must stay above it
    data = every_rule_channel(seed, accounts=14, partners=4, specialists=3)
    space = build_space(data)
    lp = solve_lp(space, time_limit=10)
    assert lp.ok and lp.has_prices
    best = solve(data, SolveParams(time_limit=20, workers=1, seed=0))
    assert best.status.name == "OPTIMAL"
    out = knapsack_lagrangian(space, best.objective, 5.0, lp=lp, iterations=200)
    assert out is not None
    assert out.bound >= best.objective - 1e-6 * max(1.0, abs(best.objective))
    assert out.bound <= lp.objective + 1e-6 * max(1.0, abs(lp.objective))  # starts at the LP's


def test_heavy_tailed_workloads_give_a_bound_well_below_the_lp_on_a_channel() -> None:
    # big accounts split across partners in the LP; kept whole by the knapsacks
    data = every_rule_channel(4, accounts=400, partners=20, specialists=6)
    space = build_space(data)
    lp = solve_lp(space, time_limit=20)
    res = solve(data, SolveParams(time_limit=4, workers=2, seed=0))
    out = knapsack_lagrangian(space, res.objective, 5.0, lp=lp, iterations=300)
    assert out is not None
    assert res.objective <= out.bound < lp.objective - 0.001 * abs(lp.objective)
    # the solve ran it too (between its exact model and polish): its bound beats the LP's
    assert "knapsack_steps" in res.stats
    assert res.objective <= res.bound < lp.objective - 0.001 * abs(lp.objective)


def knapsack_bound(space: Space, floor: float, seconds: float,
                   lp: LPResult | None = None) -> float | None:  # fmt: skip
    """The bound alone (``knapsack_lagrangian``), None where it does not apply."""
    out = knapsack_lagrangian(space, floor, seconds, lp=lp)
    return None if out is None else out.bound


def _small_channel() -> tuple[Space, LPResult, float]:
    """A 120-account channel: its space, its LP and a 2 s solve's objective (the floor)."""
    data = every_rule_channel(5, accounts=120, partners=8, specialists=4)
    space = build_space(data)
    lp = solve_lp(space, time_limit=10)
    floor = solve(data, SolveParams(time_limit=2, workers=1, seed=0)).objective
    return space, lp, floor


def test_the_dual_resumes_where_it_stopped() -> None:
    # two slices of 20 steps end where one run of 40 steps ends (same multipliers, same choices)
    space, lp, floor = _small_channel()
    whole = KnapsackDual.create(space, lp)
    parts = KnapsackDual.create(space, lp)
    assert whole is not None and parts is not None
    one = whole.run(floor, 60.0, 40)
    parts.run(floor, 60.0, 20)
    two = parts.run(floor, 60.0, 20)
    assert one.iterations == two.iterations == 40
    assert one.bound == two.bound
    assert np.array_equal(one.u, two.u)
    assert np.array_equal(np.sort(one.chosen), np.sort(two.chosen))


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_share_the_knapsacks_and_change_nothing(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the small channel is below the size where lanes pay; with that floor lifted the partners
    # are cut into runs solved side by side, and 40 steps end exactly where one thread's end
    monkeypatch.setattr(sys.modules[KnapsackDual.__module__], "LANE_MIN_CELLS", 0)
    space, lp, floor = _small_channel()
    alone = KnapsackDual.create(space, lp)
    shared = KnapsackDual.create(space, lp)
    assert alone is not None and shared is not None
    lanes = shared.ks.lanes(threads)
    assert len(lanes) == threads
    # contiguous runs of partners, together all of them
    assert int(lanes[0].start[0]) == 0 and int(lanes[-1].start[-1]) == len(shared.ks.item)
    assert all(int(b.start[0]) == int(a.start[-1]) for a, b in itertools.pairwise(lanes))
    one = alone.run(floor, 60.0, 40)
    many = shared.run(floor, 60.0, 40, threads=threads)
    assert one.iterations == many.iterations == 40
    assert one.bound == many.bound
    assert np.array_equal(one.u, many.u)
    assert np.array_equal(np.sort(one.chosen), np.sort(many.chosen))
    assert np.array_equal(alone.seen, shared.seen)


def test_the_chosen_pairs_are_what_the_knapsacks_take() -> None:
    # c05100 at its best multipliers: each partner's chosen pairs fit its capacity, and their
    # reduced values add up to the bound with the multipliers' sum (the DP's own choices)
    inst = next(i for i in read_gap_file(DATA / "c05100") if i.name == "c05100")
    data = problem_from_dict(inst.to_problem_dict())
    space = build_space(data)
    out = knapsack_lagrangian(space, inst.objective_of(1931), 2.0)
    assert out is not None and len(out.chosen) > 0
    p, a = data.pair_partner[out.chosen], data.pair_account[out.chosen]
    load = np.bincount(p, weights=data.pair_effort[out.chosen], minlength=data.n_partners)
    assert (load <= data.partner_capacity + 1e-9).all()
    total = space.constant + out.u.sum() + (space.coef[out.chosen] - out.u[a]).sum()
    assert total == pytest.approx(out.bound, rel=1e-9)


def test_the_pairs_seen_are_every_evaluation_s_choices_the_latest_first() -> None:
    space, lp, floor = _small_channel()
    dual = KnapsackDual.create(space, lp)
    assert dual is not None
    # one evaluation, at the start: the pairs seen are its choices, which are the best's
    first = dual.run(floor, 60.0, 1).chosen
    assert len(first) > 0
    assert np.array_equal(np.sort(dual.seen_pairs()), np.sort(first))
    more = dual.run(floor, 60.0, 30)
    assert not dual.finished  # 30 evaluations more were made
    seen = dual.seen_pairs()
    assert np.isin(first, seen).all() and np.isin(more.chosen, seen).all()
    assert len(seen) > len(first)  # the iterates' choices differ
    # one more evaluation, at the current multipliers: its choices come first under a limit
    u = dual.u.copy()
    dual.run(floor, 60.0, 1)
    dual.ks.value(u)  # the same DP again, for the pairs that evaluation took
    last = dual.ks.pair[dual.ks.took]
    assert np.array_equal(np.sort(dual.seen_pairs(len(last))), np.sort(last))
    assert len(dual.seen_pairs(3)) == 3
    assert len(dual.seen_pairs(10**6)) == len(dual.seen_pairs())
