"""Explanations from a shortlist computed before the solve equal the per-account definition."""

from __future__ import annotations

import numpy as np
import pytest

from solver.explain import SHORTLIST, explain, pair_revenue, shortlist
from solver.greedy import greedy_space
from solver.io import problem_from_dict
from solver.objective import account_revenue
from solver.space import build_space
from solver.synthetic import channel_policy, channel_to_problem, generate_channel


@pytest.mark.parametrize("seed", [1, 2])
def test_next_best_is_best_of_the_top_valued_other_partners(seed: int) -> None:
    ch = generate_channel(seed=seed, accounts=400, partners=60, territories=6, specialists=20)
    data = problem_from_dict(
        channel_to_problem(ch, name="explain", policy=channel_policy(ch, seed=seed))
    )
    space = build_space(data)
    alloc = greedy_space(space)
    short = shortlist(space)
    ex = explain(space, alloc, short)
    revenue = account_revenue(data, alloc)
    wide = 0
    for a in range(data.n_accounts):
        p = int(alloc.partner[a])
        pairs = space.cand[space.cand_start[a] : space.cand_start[a + 1]]
        others = pairs[data.pair_partner[pairs] != p] if p >= 0 else pairs[:0]
        wide += len(pairs) > SHORTLIST + 1
        if len(others) == 0:  # unassigned, or no other allowed partner
            assert ex.next_best[a] == -1 and np.isnan(ex.regret[a])
            continue
        top = others[np.argsort(-data.pair_value[others], kind="stable")[:SHORTLIST]]
        e = pair_revenue(space, top)
        best = int(np.argmax(e))
        assert ex.next_best[a] == data.pair_partner[top[best]]
        assert ex.regret[a] == pytest.approx(revenue[a] - e[best])
    assert wide > 0  # the shortlist really cut some accounts' candidates
    assert ex.reason == explain(space, alloc).reason
