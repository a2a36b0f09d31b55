"""The compiled tabu search (solver.ejection) on tiny GAP instances with known optima and on
c05100: only allocations that pass the validator, never worse than the start, deterministic by
seed when run for a fixed number of iterations."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np

from solver import evaluate, problem_from_dict, validate
from solver.ejection import Run, _Mini, compiled_tabu, warm
from solver.gap import GapInstance, read_gap_file
from solver.problem import ProblemData
from solver.result import Allocation
from solver.separable import NEG, Dense
from solver.space import build_space
from tests.solver.helpers import tiny

DATA = Path(__file__).resolve().parent.parent / "data" / "gap"


def _instance(profit: list[list[int]], weight: list[list[int]], cap: list[int]) -> ProblemData:
    inst = GapInstance("t", "max", tuple(map(tuple, profit)), tuple(map(tuple, weight)), tuple(cap))
    return problem_from_dict(inst.to_problem_dict())


def _start(data: ProblemData, agents: list[int]) -> Allocation:
    alloc = Allocation.empty(data)
    alloc.partner[:] = agents
    return alloc


def test_a_swap_reaches_the_optimum_of_two_agents_three_jobs() -> None:
    # Every job weighs 2 on both agents; agent 0 holds 4 (two jobs), agent 1 holds 2 (one job),
    # and all three jobs must be assigned, so agent 1 takes exactly one job. Profits: agent 0
    # [5, 4, 1], agent 1 [1, 2, 4]. Job 0 on agent 1: 1 + 4 + 1 = 6; job 1: 5 + 2 + 1 = 8;
    # job 2: 5 + 4 + 4 = 13. Optimum 13. The start (job 0 on agent 1, value 6) is a local
    # optimum for shifts within capacity: only the swap of jobs 0 and 2 reaches 13.
    data = _instance([[5, 4, 1], [1, 2, 4]], [[2, 2, 2], [2, 2, 2]], [4, 2])
    start = _start(data, [1, 0, 0])
    assert validate(data, start) == []
    out = compiled_tabu(build_space(data), start, 10.0, seed=0, iterations=50)
    assert out is not None
    assert validate(data, out) == []
    assert out.partner.tolist() == [0, 0, 1]
    assert evaluate(data, out) == 13.0


def test_a_chain_reaches_the_optimum_of_three_agents() -> None:
    # Agent capacities 10 / 10 / 10. Job 0 weighs 5 everywhere; job 1 weighs 11 on agent 0 (it
    # never fits there) and 10 on agents 1 and 2. Profits: job 0 [0, 10, 0], job 1 [0, 0, 0].
    # Job 1 must leave room on agent 1 for job 0: the optimum puts job 0 on agent 1 and job 1
    # on agent 2, profit 10; the start (job 0 on 0, job 1 on 1) has profit 0 and no single
    # shift or swap within capacity improves it (the ejection chain 0->1, 1->2 does).
    data = _instance([[0, 0], [10, 0], [0, 0]], [[5, 11], [5, 10], [5, 10]], [10, 10, 10])
    start = _start(data, [0, 1])
    out = compiled_tabu(build_space(data), start, 10.0, seed=3, iterations=50)
    assert out is not None
    assert validate(data, out) == []
    assert out.partner.tolist() == [1, 2]
    assert evaluate(data, out) == 10.0


def test_one_iteration_with_an_ejection_chain_makes_the_move_of_two_links() -> None:
    # The instance above: over 50 iterations two single shifts through an over-capacity agent
    # reach the optimum too. In one iteration only the chain (job 0 to agent 1, job 1 on to
    # agent 2) does: the single shift 0->1 breaks agent 1's capacity and is not kept as best.
    data = _instance([[0, 0], [10, 0], [0, 0]], [[5, 11], [5, 10], [5, 10]], [10, 10, 10])
    space = build_space(data)
    out = compiled_tabu(space, _start(data, [0, 1]), 10.0, seed=0, iterations=1)
    assert out is not None
    assert validate(data, out) == []
    assert out.partner.tolist() == [1, 2]
    # without chains the same iteration finds nothing that fits
    assert compiled_tabu(space, _start(data, [0, 1]), 10.0, seed=0, iterations=1,
                         chain_first=0) is None  # fmt: skip


def _c05100() -> ProblemData:
    inst = next(i for i in read_gap_file(DATA / "c05100") if i.name == "c05100")
    return problem_from_dict(inst.to_problem_dict())


def _spread(data: ProblemData) -> Allocation:
    """Every job on agent j mod m: a full cover that breaks capacity on c05100."""
    return _start(data, (np.arange(data.n_accounts) % data.n_partners).tolist())


def test_from_an_over_capacity_cover_only_valid_allocations_come_back() -> None:
    data = _c05100()
    start = _spread(data)
    assert validate(data, start) != []
    for seed in range(3):
        out = compiled_tabu(build_space(data), start, 10.0, seed=seed, iterations=3000)
        assert out is not None
        assert validate(data, out) == []
        assert (out.partner >= 0).all()


def test_same_seed_same_allocation_and_never_worse_than_a_valid_start() -> None:
    data = _c05100()
    space = build_space(data)
    first = compiled_tabu(space, _spread(data), 10.0, seed=0, iterations=2000)
    assert first is not None
    again = compiled_tabu(space, _spread(data), 10.0, seed=0, iterations=2000)
    assert again is not None
    assert again.partner.tolist() == first.partner.tolist()
    # from a valid start: None (nothing better) or a valid, strictly better allocation
    for threads in (1, 2):
        out = compiled_tabu(space, first, 10.0, seed=5, iterations=2000, threads=threads)
        if out is not None:
            assert validate(data, out) == []
            assert evaluate(data, out) > evaluate(data, first)


def test_declines_problems_that_are_not_a_sum_over_pairs() -> None:
    data = problem_from_dict(tiny())  # specialists that add revenue
    assert compiled_tabu(build_space(data), Allocation.empty(data), 1.0, seed=0) is None
    assert warm() >= 0.0


def _best_move(run: Run) -> tuple[float, list[tuple[int, int]]]:
    """The best shift or swap of the run's next iteration by brute force, with the kernel's
    rules (excess priced per agent, tabu pairs only when the move fits and beats the best):
    its score and its (job, agent) shifts."""
    V, W, cap = run.V, run.W, run.cap
    a, load, pen, tabu = run.a, run.load, run.pen, run.tabu
    it = run.iterations + 1
    value, best = float(run.fst[0]), float(run.fst[1])
    m1, n = V.shape
    over = np.maximum(load - cap, 0.0)

    def exc(i: int, lo: float) -> float:
        return max(lo - cap[i], 0.0)

    moves: list[tuple[float, list[tuple[int, int]]]] = []
    for j in range(n):
        o = a[j]
        for i in range(m1):
            if i == o or V[i, j] <= NEG / 2:
                continue
            gain = V[i, j] - V[o, j]
            lo, li = load[o] - W[o, j], load[i] + W[i, j]
            sc = gain - pen[o] * (exc(o, lo) - over[o]) - pen[i] * (exc(i, li) - over[i])
            fits = over.sum() - over[o] + exc(o, lo) <= 0.0 and li <= cap[i] + 1e-9
            if tabu[i, j] > it and not (fits and value + gain > best + 1e-9):
                continue
            moves.append((sc, [(j, i)]))
    best_shift = max((s for s, _ in moves), default=NEG)
    for j1 in range(n):
        for j2 in range(j1 + 1, n):
            a1, a2 = a[j1], a[j2]
            if a1 == a2 or V[a2, j1] <= NEG / 2 or V[a1, j2] <= NEG / 2:
                continue
            g = V[a2, j1] + V[a1, j2] - V[a1, j1] - V[a2, j2]
            l1 = load[a1] - W[a1, j1] + W[a1, j2]
            l2 = load[a2] - W[a2, j2] + W[a2, j1]
            o1, o2 = exc(a1, l1), exc(a2, l2)
            sc = g - pen[a1] * (o1 - over[a1]) - pen[a2] * (o2 - over[a2])
            fits = over.sum() - over[a1] - over[a2] + o1 + o2 <= 0.0
            if (tabu[a2, j1] > it or tabu[a1, j2] > it) and not (fits and value + g > best + 1e-9):
                continue
            if sc > best_shift:  # a shift wins ties
                moves.append((sc, [(j1, a2), (j2, a1)]))
    return max(moves, key=lambda m: m[0], default=(NEG, []))


def test_each_iteration_makes_the_best_shift_or_swap_that_a_brute_force_finds() -> None:
    # The kernel looks at a swap only where a bound on its score (the two gains and the excess
    # the two agents shed) beats the best move so far: that must never hide the best swap.
    # Random values without ties and capacities at 60 % of the least-effort load, so agents
    # go over capacity and their prices weigh in; 40 iterations of each instance.
    rng = np.random.default_rng(7)
    for _ in range(6):
        m, n = int(rng.integers(3, 7)), int(rng.integers(10, 25))
        profit = rng.random((m, n)) * 20
        weight = rng.integers(1, 10, (m, n)).astype(float)
        cap = 0.6 * weight.min(axis=0).sum() / m * np.ones(m) + rng.random(m) * 3
        V = np.vstack([profit, np.full((1, n), NEG)])  # every job must be assigned
        W = np.vstack([weight, np.zeros((1, n))])
        dm = cast(Dense, _Mini(V, W, np.append(cap, np.inf)))
        run = Run(dm, rng.integers(0, m, n).astype(np.int64), seed=1)
        for _ in range(40):
            score, move = _best_move(run)
            before = run.a.copy()
            run.advance(1, chain_first=0)
            expect = before.copy()
            for j, i in move:
                expect[j] = i
            assert run.a.tolist() == expect.tolist(), score
