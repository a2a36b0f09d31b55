"""Time of one evaluation of the knapsack bound's DP, with crowded weights thinned and without.

    python -m bench.knapsack_step                       # the 5k and 50k channels, three GAPs
    python -m bench.knapsack_step --channel 5k --gap d40400 --evaluations 20

``solver.knapsack_bound.Knapsacks`` keeps out of a partner's DP the items of a weight of which
more exist than fit its capacity, all but the most profitable (the optimum is the same). For
each problem this builds the knapsacks both ways, moves the multipliers to where a solve has
them (channels: subgradient multipliers over the promising pairs, then 20 knapsack steps; GAP
instances: 20 knapsack steps from second-best values), and times ``--evaluations``
evaluations of each at those multipliers, alternating, in one process. It prints the items and
the items that may enter the DP, the milliseconds an evaluation (the better of the two halves
of the runs) and the ratio; both must give the same bound, which it checks.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import table
from bench.solver_channel import SIZES
from bench.solver_gap import DEFAULT_DIR, best_known
from solver import evaluate, problem_from_dict
from solver.gap import read_gap_file
from solver.greedy import greedy_space
from solver.lp import LPResult
from solver.problem import FloatArray, ProblemData
from solver.space import Space, build_space

GAPS = ("d20400", "d40400", "e40400")
STEPS = 20  # knapsack steps before timing: multipliers near where a solve evaluates
SUBGRADIENT_S = 4.0  # channels: seconds of subgradient steps for the start multipliers


def _channel(size: str) -> ProblemData:
    """The benchmark channel of ``bench.solver_channel`` (seed 0), built in memory."""
    from solver.synthetic import channel_policy, channel_to_problem, generate_channel

    spec = SIZES[size]
    ch = generate_channel(seed=0, accounts=int(spec["accounts"]), partners=int(spec["partners"]),
                          territories=int(spec["territories"]),
                          specialists=int(spec["specialists"]))  # fmt: skip
    return problem_from_dict(channel_to_problem(ch, name=size, policy=channel_policy(ch, 0)))


def _start(space: Space, channel: bool) -> tuple[LPResult | None, float]:
    """The multipliers that price the other rows (channels) and the incumbent's objective."""
    floor = evaluate(space.data, greedy_space(space))
    if not channel:
        return None, floor
    from solver.lagrange import priced_subgradient
    from solver.prune import promising_pairs

    return priced_subgradient(space, promising_pairs(space), floor, SUBGRADIENT_S), floor


def _time(evaluate: object, u: FloatArray, runs: int) -> float:
    """Milliseconds of one ``evaluate(u)``, the better of two halves of ``runs`` calls."""
    halves = []
    for _ in range(2):
        t0 = time.perf_counter()
        for _ in range(max(1, runs // 2)):
            evaluate(u)  # type: ignore[operator]
        halves.append((time.perf_counter() - t0) / max(1, runs // 2) * 1000)
    return min(halves)


def measure(name: str, data: ProblemData, channel: bool, runs: int) -> list[str]:
    """One table row: problem, items, items that may enter, ms thinned, ms whole, ratio."""
    from solver.knapsack_bound import KnapsackDual, Knapsacks, _pair_values
    from solver.separable import SPARE_DP_BUDGET

    space = build_space(data)
    lp, floor = _start(space, channel)
    dual = KnapsackDual.create(space, lp, cells=SPARE_DP_BUDGET, factor=0.06 if channel else 1.0)
    priced = _pair_values(space, lp)
    if dual is None or priced is None:
        return [name, "-", "-", "-", "-", "-"]
    dual.run(floor, 600.0, STEPS, choose=False)
    u = dual.u
    whole = Knapsacks(space, priced[0], thin=False)
    whole.allocate()
    thin = dual.ks
    if not np.isclose(thin.value(u), whole.value(u), rtol=1e-12, atol=0.0):
        raise AssertionError(f"{name}: the thinned knapsacks' bound differs from the whole DP's")
    ms_thin = _time(thin.value, u, runs)
    ms_whole = _time(whole.value, u, runs)
    return [name, f"{len(thin.item):,}", f"{int(thin.entering.sum()):,}", f"{ms_thin:,.1f}",
            f"{ms_whole:,.1f}", f"{ms_whole / ms_thin:.2f}"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Print the table for the chosen channels and GAP instances."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--channel", action="append", choices=sorted(SIZES), default=[])
    ap.add_argument("--gap", action="append", default=[], help="GAP instance (repeatable)")
    ap.add_argument("--gap-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--evaluations", type=int, default=10)
    args = ap.parse_args(argv)
    from solver.compiled import warm

    warm()
    channels = args.channel or ([] if args.gap else ["5k", "50k"])
    gaps = args.gap or ([] if args.channel else list(GAPS))
    rows = [measure(size, _channel(size), True, args.evaluations) for size in channels]
    if gaps:
        known = best_known(args.gap_dir)
        for name in gaps:
            inst = read_gap_file(args.gap_dir / known[name]["file"])[0]
            rows.append(measure(name, problem_from_dict(inst.to_problem_dict()), False,
                                args.evaluations))  # fmt: skip
    header = ["problem", "items", "may enter", "ms thinned", "ms whole", "whole / thinned"]
    print(table(rows, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
