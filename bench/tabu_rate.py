"""Iterations a second of the compiled tabu search (``solver.ejection``) on GAP instances.

    python -m bench.tabu_rate                              # the default instances, 3 s each
    python -m bench.tabu_rate --only d40400 --seconds 5

Each instance starts from every job on its least-effort agent (a cover that breaks capacity,
so the excess prices weigh in) and runs one thread for ``--seconds``, twice; the faster of the
two rates is printed, with the best cost found (the GAP objective, against the best known).
The rate is what the kernel's changes move: run it in two checkouts one after the other (the
machine is shared, so compare rates within one run, not across days).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import fmt, pct, table
from bench.solver_gap import DEFAULT_DIR, best_known, excess_of
from solver import evaluate, problem_from_dict
from solver.gap import read_gap_file
from solver.result import Allocation
from solver.separable import Dense
from solver.space import build_space

INSTANCES = ("c05100", "d10100", "d10200", "d20200", "c20400", "d20400", "d40400", "e40400")


def rate(name: str, gap_dir: Path, known: dict[str, dict[str, str]], seconds: float
         ) -> list[str]:  # fmt: skip
    """One table row: instance, iterations a second (the better of two runs), best cost."""
    from solver.ejection import Run  # numba: after warm()

    inst = read_gap_file(gap_dir / known[name]["file"])[0]
    data = problem_from_dict(inst.to_problem_dict())
    dm = Dense(build_space(data))
    ok = dm.value[:-1] > -1e17
    start = np.argmin(np.where(ok, dm.effort[:-1], np.inf), axis=0).astype(np.int64)
    rates, runs = [], []
    for seed in range(2):
        run = Run(dm, start, seed)
        t0, chunk = time.perf_counter(), 16
        while time.perf_counter() - t0 < seconds:
            run.advance(chunk, 8)
            chunk = min(chunk * 2, 256)
        rates.append(run.iterations / (time.perf_counter() - t0))
        runs.append(run)
    win = max(runs, key=lambda r: r.best)
    cost = None
    if win.best > -1e17:  # an allocation within capacity was found
        alloc = Allocation.empty(data)
        alloc.partner[:] = np.where(win.best_a == dm.m, -1, win.best_a)
        cost = inst.cost_of(evaluate(data, alloc))
    bk = float(known[name]["best_known"])
    above = excess_of(inst, bk, cost) if cost is not None else None
    return [name, f"{max(rates):,.0f}", fmt(cost, 0), pct(above)]


def main(argv: list[str] | None = None) -> int:
    """Print the rate table for the chosen instances."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("gap_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--only", action="append", default=[], help="instance name (repeatable)")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)
    from solver.compiled import warm

    warm()
    known = best_known(args.gap_dir)
    rows = [rate(name, args.gap_dir, known, args.seconds) for name in args.only or INSTANCES]
    print(table(rows, ["instance", "iterations/s", "best cost", "above best known"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
