"""One benchmark method on one problem file, in its own process (own clock, own peak memory).

    python -m bench.channel_worker ours|greedy|highs|cpsat PROBLEM.json --time-limit S

Prints one JSON line: objective (recomputed by solver.evaluate), bound, status, wall seconds
from the start of reading the file, peak RSS, and the validator's verdict. Run by
``bench.solver_channel``; separate processes keep each method's time and memory its own.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import native_stdout_to_stderr, peak_rss_mb


def _ours(path: Path, budget: float, workers: int, seed: int, t0: float) -> dict[str, Any]:
    """Our solver; the time limit is what is left of ``budget`` after reading the file."""
    from solver import SolveParams, evaluate, load_problem, solve, validate

    data = load_problem(path)
    load_s = time.perf_counter() - t0
    timeline: list[tuple[float, float]] = []

    def progress(p: Any) -> None:
        if not timeline or p.incumbent > timeline[-1][1]:
            timeline.append((round(load_s + p.elapsed_s, 2), p.incumbent))

    params = SolveParams(time_limit=max(0.5, budget - load_s), workers=workers, seed=seed)
    res = solve(data, params, progress=progress)
    wall = time.perf_counter() - t0
    alloc = res.allocation
    found = res.status.name in ("OPTIMAL", "FEASIBLE")
    return {
        "status": res.status.name,
        "objective": evaluate(data, alloc) if found else None,
        "reported_objective": res.objective if found else None,
        "bound": res.bound if math.isfinite(res.bound) else None,
        "wall_s": wall,
        "load_s": load_s,
        "violations": len(validate(data, alloc)) if found else 0,
        "greedy_objective": res.greedy_objective,
        "timeline": timeline[-12:],
        "stats": {k: float(v) for k, v in res.stats.items()},
        "conflicts": list(res.conflicts),
    }


def _greedy(path: Path, t0: float) -> dict[str, Any]:
    """The baseline: best pair first within capacity (solver.greedy)."""
    from solver import evaluate, greedy, load_problem, validate

    data = load_problem(path)
    load_s = time.perf_counter() - t0
    alloc = greedy(data)
    return {
        "status": "FEASIBLE",
        "objective": evaluate(data, alloc),
        "bound": None,
        "wall_s": time.perf_counter() - t0,
        "load_s": load_s,
        "violations": len(validate(data, alloc)),
    }


def _reference(
    method: str, path: Path, limit: float, workers: int, t0: float, highs_options: str
) -> dict[str, Any]:
    """HiGHS or plain CP-SAT on the exact model of bench.reference_models."""
    from bench.reference_cpsat import solve_cpsat
    from bench.reference_models import solve_highs
    from solver import load_problem

    data = load_problem(path)
    load_s = time.perf_counter() - t0
    if method == "highs":
        ref = solve_highs(data, limit, options=highs_options)
    else:
        ref = solve_cpsat(data, limit, workers=workers)
    return {
        "status": ref.status,
        "objective": ref.objective,
        "model_objective": ref.model_objective,
        "bound": ref.bound,
        "wall_s": time.perf_counter() - t0,
        "load_s": load_s,
        "build_s": ref.build_s,
        "solve_s": ref.solve_s,
        "violations": len(ref.violations),
        "sizes": ref.sizes,
        "timeline": [(round(load_s + ref.build_s + t, 1), v) for t, v in ref.timeline],
    }


def main(argv: list[str] | None = None) -> int:
    """Run one method and print its JSON line on stdout."""
    ap = argparse.ArgumentParser()
    ap.add_argument("method", choices=("ours", "greedy", "highs", "cpsat"))
    ap.add_argument("problem", type=Path)
    ap.add_argument("--time-limit", type=float, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--highs-options", default="presolve=off", help="name=value,...")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with native_stdout_to_stderr():
        if args.method == "ours":
            out = _ours(args.problem, args.time_limit, args.workers, args.seed, t0)
        elif args.method == "greedy":
            out = _greedy(args.problem, t0)
        else:
            out = _reference(
                args.method, args.problem, args.time_limit, args.workers, t0, args.highs_options
            )
    out["method"] = args.method
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
