"""Which accounts and pairs the relaxation-induced neighbourhood (``lns._Rins``) frees, and
the guided ones: the accounts the knapsack Lagrangian places elsewhere, every account over the
pairs its knapsacks took, chains that improve."""

from __future__ import annotations

import importlib
import time

import numpy as np

from solver import SolveParams, evaluate, problem_from_dict, validate
from solver.bound import reduced_pair_values
from solver.greedy import greedy_space
from solver.knapsack_bound import KnapsackDual
from solver.lp import LPResult, solve_lp
from solver.problem import IntArray
from solver.search import Search
from solver.space import build_space
from solver.synthetic import channel_policy, channel_to_problem, generate_channel

lns = importlib.import_module("solver.lns")


def test_rins_frees_disagreements_then_the_smallest_lp_margins() -> None:
    ch = generate_channel(seed=2, accounts=600, partners=30, territories=6, specialists=12)
    data = problem_from_dict(channel_to_problem(ch, name="rins", policy=channel_policy(ch, 2)))
    space = build_space(data)
    lp = solve_lp(space)
    assert lp.ok
    search = Search(data, space, SolveParams(), None, None, time.monotonic())
    base = greedy_space(space)
    hoods = lns._Neighbourhoods(search, lp)
    free = lns._Rins.accounts(hoods, base, lns.RINS_SHARES[0])
    differ = np.flatnonzero((hoods.lp_pair != base.partner) | hoods.lp_frac)
    target = min(lns.RINS_MAX_FREE, int(lns.RINS_SHARES[0] * data.n_accounts))
    assert len(free) == max(len(differ), target)
    assert np.isin(differ, free).all()
    top, margin = hoods.reduced()
    extra = np.setdiff1d(free, differ)
    rest = np.setdiff1d(np.arange(data.n_accounts), free)
    assert len(extra) > 0 and len(rest) > 0
    assert margin[extra].max() <= margin[rest].min()
    # the kept pairs are each account's best by reduced value, at most RINS_RC_KEEP of them
    r = reduced_pair_values(space, lp.cap_dual, lp.count_dual, lp.spec_dual, lp.track_dual)
    value = np.zeros(len(space.coef))
    value[space.cand] = r
    acc = data.pair_account[top]
    assert np.bincount(acc, minlength=data.n_accounts).max() <= lns.RINS_RC_KEEP
    for a in np.unique(acc)[:50].tolist():
        mine = space.cand[space.cand_start[a] : space.cand_start[a + 1]]
        kept = top[acc == a]
        assert value[kept].min() >= np.sort(value[mine])[::-1][len(kept) - 1] - 1e-9


def _channel_search(seconds: float) -> tuple[Search, LPResult]:
    ch = generate_channel(seed=3, accounts=600, partners=30, territories=6, specialists=12)
    data = problem_from_dict(channel_to_problem(ch, name="guided", policy=channel_policy(ch, 3)))
    space = build_space(data)
    lp = solve_lp(space)
    assert lp.ok
    search = Search(data, space, SolveParams(time_limit=seconds), None, None, time.monotonic())
    search.offer(greedy_space(space))
    return search, lp


def test_a_guided_rins_frees_the_accounts_the_knapsacks_place_elsewhere() -> None:
    search, _lp = _channel_search(10.0)
    d = search.data
    base = search.best
    assert base is not None
    assigned = np.flatnonzero(base.partner >= 0)[:3]
    same = d.pair_index(assigned, base.partner[assigned])  # taken once, where base has it
    other = next(int(a) for a in np.flatnonzero(base.partner >= 0)[3:]
                 if np.diff(search.space.cand_start)[a] >= 2)  # fmt: skip
    pairs = search.space.cand_of(np.array([other]))
    moved = pairs[d.pair_partner[pairs] != base.partner[other]][:1]  # taken once, elsewhere
    twice = search.space.cand_of(np.array([int(assigned[0])]))[:2]  # one account taken twice
    guide = np.concatenate([same[1:], moved, twice])
    free = lns._Rins.guided(search, guide, base)
    expect = np.setdiff1d(np.arange(d.n_accounts), assigned[1:])  # only those two agree
    assert np.array_equal(free, expect)


class _Guide:
    """A guide from the knapsack Lagrangian itself, counting its calls: refined twice."""

    def __init__(self, search: Search, lp: LPResult) -> None:
        self.search = search
        self.dual = KnapsackDual.create(search.space, lp)
        self.calls: list[str] = []
        self.limits: list[int] = []

    def first(self) -> IntArray | None:
        self.calls.append("first")
        assert self.dual is not None
        self.first_choices = self.dual.run(self.search.best_obj, 5.0, 100).chosen
        return self.first_choices

    def refine(self) -> IntArray | None:
        self.calls.append("refine")
        if self.calls.count("refine") > 2:
            return None
        assert self.dual is not None
        return self.dual.run(self.search.best_obj, 5.0, 20).chosen

    def seen(self, limit: int) -> IntArray | None:
        self.calls.append("seen")
        self.limits.append(limit)
        assert self.dual is not None
        return self.dual.seen_pairs(limit)


def test_a_chain_over_the_pairs_seen_frees_every_account_with_those_pairs() -> None:
    search, lp = _channel_search(10.0)
    start = search.best_obj
    guide = _Guide(search, lp)
    latest = guide.first()
    assert latest is not None
    seen = guide.seen(int(lns.SEEN_PAIRS * len(latest)))
    assert seen is not None and len(seen) > len(latest)
    base = search.best
    assert base is not None
    hoods = lns._Neighbourhoods(search, lp)
    run = lns._Rins.start(search, hoods, lp, base, 0.5, 0, seen, lns.SEEN_PAIRS)
    assert run is not None
    run.collect(wait=20.0)
    assert np.array_equal(run.free, np.arange(search.data.n_accounts))
    assert run.box and run.box[0].allocation is not None
    out = run.box[0].allocation
    # every account ends on a pair the knapsacks took, on its own pair in base, or nowhere
    d = search.data
    moved = np.flatnonzero((out.partner >= 0) & (out.partner != base.partner))
    assert len(moved) > 0
    assert np.isin(d.pair_index(moved, out.partner[moved]), seen).all()
    assert validate(d, out) == []
    assert search.best_obj >= start > float("-inf")  # warm-started from base: never worse


def test_guided_chains_improve_the_incumbent_with_valid_allocations() -> None:
    search, lp = _channel_search(8.0)
    start = search.best_obj
    guide = _Guide(search, lp)
    lns._rins_chains(search, lns._Neighbourhoods(search, lp), lp, (0.3, 0.5), guide)
    # both chains start after the first stage, the second over the pairs seen by then
    assert guide.calls[:5] == ["first", "seen", "refine", "refine", "refine"]
    assert guide.limits[0] == int(lns.SEEN_PAIRS * len(guide.first_choices))
    assert search.best is not None and validate(search.data, search.best) == []
    assert search.best_obj > start
    assert search.stats["rins_free"] == search.data.n_accounts  # the second chain's MIP
    assert search.stats["rins_seen_runs"] >= 1
    assert search.stats["rins_runs"] > search.stats["rins_seen_runs"]


def test_with_one_worker_one_guided_chain_runs_and_the_guide_is_not_refined() -> None:
    search, lp = _channel_search(4.0)
    start = search.best_obj
    guide = _Guide(search, lp)
    lns._rins_chains(search, lns._Neighbourhoods(search, lp), lp, (0.3,), guide)
    assert guide.calls == ["first"]  # no core to refine on beside the one chain
    assert search.best is not None and validate(search.data, search.best) == []
    assert search.best_obj > start


def test_combining_two_allocations_keeps_the_better_of_each_part() -> None:
    # two MIPs from the same start on disjoint accounts improve it in different places; the
    # combination frees only the accounts where they differ, with their two pairs each
    search, _lp = _channel_search(20.0)
    d = search.data
    start = search.best
    assert start is not None
    half = d.n_accounts // 2
    one = lns._sub_mip(search, np.arange(half, dtype=np.int64), start, 5.0).allocation
    two = lns._sub_mip(search, np.arange(half, d.n_accounts, dtype=np.int64), start, 5.0).allocation
    assert one is not None and two is not None
    search.offer(one)
    search.offer(two)
    best_of_two = search.best_obj
    assert best_of_two > evaluate(d, start)
    lns._combine(search, one, two)
    assert search.stats["combine_runs"] == 1
    out = search.best
    assert out is not None and validate(d, out) == []
    assert search.best_obj > best_of_two  # each took the better half: together more
    differ = (one.partner != two.partner) | (one.specialist != two.specialist).any(axis=1)
    assert np.array_equal(out.partner[~differ], one.partner[~differ])
    mine = out.partner[differ]
    assert ((mine == one.partner[differ]) | (mine == two.partner[differ]) | (mine < 0)).all()
