"""The greedy fill (``solver.greedy.fill_partners``) against a plain reference scan.

The fill sorts only a batch of the open pairs at a time and drops the pairs that can no longer
be taken between batches; its result must be exactly that of one scan over every pair sorted by
priority (ties in the given order), which ``_reference`` below does the simple way. Batches and
chunks are made tiny so that every instance goes through many of them.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from solver import problem_from_dict
from solver.problem import ProblemData
from solver.space import Space, build_space
from solver.synthetic import channel_policy, channel_to_problem, generate_channel

from .helpers import tiny

greedy_mod = importlib.import_module("solver.greedy")  # ``solver.greedy`` is also a function


def _reference(space: Space, start: np.ndarray | None = None,
               priority: np.ndarray | None = None,
               pairs: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Every allowed (or given) pair of an open account sorted by priority, pins first, taken
    in order where the partner still has the capacity and an account slot."""
    d = space.data
    chosen = np.full(d.n_accounts, -1, np.int64) if start is None else start.copy()
    cap = d.partner_capacity.astype(np.float64).copy()
    limit = d.policy.max_accounts_per_partner
    left = np.full(d.n_partners, limit if limit is not None else d.n_accounts + 1, np.int64)
    for a in np.flatnonzero(chosen >= 0).tolist():
        k = int(d.pair_index(np.array([a]), chosen[[a]])[0])
        cap[chosen[a]] -= d.pair_effort[k]
        left[chosen[a]] -= 1
    ks = space.cand if pairs is None else pairs
    score = space.coef[ks] if priority is None else priority[ks]
    ks = ks[np.argsort(-score, kind="stable")]
    order: list[int] = []
    late: list[int] = []
    for k in ks.tolist():
        a = int(d.pair_account[k])
        pinned = d.policy.pins[a] >= 0
        slot = space.slot_start[a + 1] > space.slot_start[a]
        if chosen[a] >= 0 or not (space.coef[k] > 0 or slot or d.policy.must_cover or pinned):
            continue
        (order if pinned else late).append(k)
    for k in order + late:
        a, p, e = int(d.pair_account[k]), int(d.pair_partner[k]), float(d.pair_effort[k])
        if chosen[a] < 0 and left[p] > 0 and e <= cap[p] + 1e-9:
            chosen[a] = p
            cap[p] -= e
            left[p] -= 1
    return chosen


def _channel(seed: int, must_cover: bool = False) -> ProblemData:
    ch = generate_channel(seed=seed, accounts=400, partners=25, territories=4, specialists=8)
    policy: dict[str, Any] = channel_policy(ch, seed)
    if must_cover:
        policy = {**policy, "must_cover": True, "max_accounts_per_partner": None}
    return problem_from_dict(channel_to_problem(ch, name=f"g{seed}", policy=policy))


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(greedy_mod, "BATCH", 7)
    monkeypatch.setattr(greedy_mod, "CHUNK", 5)


@pytest.mark.parametrize("seed", range(6))
def test_fill_matches_the_reference_scan(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    space = build_space(_channel(seed, must_cover=seed % 3 == 2))
    d = space.data
    rng = np.random.default_rng(seed)
    assert (d.policy.pins >= 0).any() == (seed not in (1, 5))  # seeds 0, 2-4 have pins
    got = greedy_mod.fill_partners(space)
    assert np.array_equal(got, _reference(space))
    assert (got >= 0).sum() > 0
    # priorities with many ties (rounded), over a subset of the pairs in a shuffled order
    priority = np.round(space.coef - rng.uniform(0, 2, len(space.coef)) * space.coef.mean(), -2)
    pairs = rng.permutation(space.cand)[: len(space.cand) // 2]
    got = greedy_mod.fill_partners(space, priority=priority, pairs=pairs)
    assert np.array_equal(got, _reference(space, priority=priority, pairs=pairs))
    # three priority levels only: the order within a level decides (one batch holds several)
    monkeypatch.setattr(greedy_mod, "BATCH", 1000)
    coarse = rng.integers(0, 3, len(space.coef)).astype(np.float64)
    got = greedy_mod.fill_partners(space, priority=coarse)
    assert np.array_equal(got, _reference(space, priority=coarse))
    # completing a partial allocation: half the accounts of the first fill kept
    monkeypatch.setattr(greedy_mod, "BATCH", 7)
    start = got.copy()
    start[rng.random(d.n_accounts) < 0.5] = -1
    got = greedy_mod.fill_partners(space, start)
    assert np.array_equal(got, _reference(space, start))
    assert np.all(got[start >= 0] == start[start >= 0])


def test_fill_on_the_tiny_problem_by_hand() -> None:
    # pairs by value: A2-P1 100, A1-P1 50, A2-P2 40, A3-P1 25, A1-P2 20, A3-P2 10; P1 takes two
    # accounts (capacity 2), so A2 and A1 go to P1 and A3 to P2
    space = build_space(problem_from_dict(tiny()))
    d = space.data
    got = greedy_mod.fill_partners(space)
    ids = {str(d.account_ids[a]): str(d.partner_ids[p]) for a, p in enumerate(got.tolist())}
    assert ids == {"A1": "P1", "A2": "P1", "A3": "P2"}
