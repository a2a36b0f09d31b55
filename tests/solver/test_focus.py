"""solver.focus on d20100 (tests/data/gap): the LP's cover and each account's best pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from solver import problem_from_dict
from solver.bound import reduced_pair_values
from solver.focus import focused_space, lp_cover
from solver.gap import read_gap_file
from solver.lp import LPResult, solve_lp
from solver.result import Allocation
from solver.space import Space, build_space

DATA = Path(__file__).resolve().parent.parent / "data" / "gap"


def _d20100() -> tuple[Space, LPResult]:
    inst = next(i for i in read_gap_file(DATA / "d20100") if i.name == "d20100")
    space = build_space(problem_from_dict(inst.to_problem_dict()))
    lp = solve_lp(space, time_limit=30)
    assert lp.ok
    return space, lp


def test_the_lp_cover_puts_each_job_on_its_largest_column() -> None:
    space, lp = _d20100()
    d = space.data
    cover = lp_cover(space, lp, Allocation.empty(d))
    x = np.zeros((d.n_partners, d.n_accounts))
    x[d.pair_partner[lp.pairs], d.pair_account[lp.pairs]] = lp.x
    assert (cover.partner >= 0).all()  # every job has LP mass 1 (must cover)
    # the chosen partner's column is as large as the job's largest
    chosen = x[cover.partner, np.arange(d.n_accounts)]
    assert np.allclose(chosen, x.max(axis=0))
    # an LP optimum of a GAP splits at most one job per agent: most columns are whole
    assert (chosen > 1 - 1e-6).sum() >= d.n_accounts - d.n_partners


def test_the_focused_space_keeps_each_jobs_best_pairs_and_the_given_allocation() -> None:
    space, lp = _d20100()
    d = space.data
    keep = Allocation.empty(d)
    keep.partner[:] = np.arange(d.n_accounts) % d.n_partners  # pairs of no particular merit
    focused = focused_space(space, lp, [keep], per_account=3)
    r = reduced_pair_values(space, lp.cap_dual, lp.count_dual, lp.spec_dual, lp.track_dual)
    kept = set(focused.cand.tolist())
    for j in range(d.n_accounts):
        ks = space.cand[space.cand_start[j] : space.cand_start[j + 1]]
        rj = r[space.cand_start[j] : space.cand_start[j + 1]]
        mine = focused.cand[focused.cand_start[j] : focused.cand_start[j + 1]]
        assert set(mine.tolist()) <= set(ks.tolist())
        # three of the kept pairs carry the job's three best reduced values (ties either way)
        rk = r[np.searchsorted(space.cand, mine)]
        assert np.allclose(np.sort(rk)[::-1][:3], np.sort(rj)[::-1][:3])
        assert d.pair_index(np.array([j]), keep.partner[j : j + 1])[0] in kept
        assert len(mine) <= 4  # three best and the given allocation's pair
