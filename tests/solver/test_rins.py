"""Which accounts and pairs the relaxation-induced neighbourhood (``lns._Rins``) frees."""

from __future__ import annotations

import importlib
import time

import numpy as np

from solver import SolveParams, problem_from_dict
from solver.bound import reduced_pair_values
from solver.greedy import greedy_space
from solver.lp import solve_lp
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
