"""GAP targets of issue 3 against the classic instances in ../shared/bench/gap.

    python -m bench.solver_gap --set orlib          # gap1-gap12: all 60 optimal, each <= 1 s
    python -m bench.solver_gap --set small          # A-E, <= 400 jobs: <= 0.1 % in 10 s
    python -m bench.solver_gap --set large          # 900-1,600 jobs: <= 0.5 % in 60 s
    python -m bench.solver_gap --only c05100 --time-limit 5

Prints one table row per instance (best known, ours, % above best known in the instance's own
sense, wall time from building the problem data to the end of the solve, status, proven bound
mapped back to the GAP objective) and one summary line per target. ``--json FILE`` also writes
the rows as JSON lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.common import REPO, fmt, native_stdout_to_stderr, pct, table
from solver import SolveParams, problem_from_dict, solve
from solver.gap import GapInstance, read_gap_file

DEFAULT_DIR = REPO.parent / "shared" / "bench" / "gap"


@dataclass(frozen=True)
class Target:
    """One target of issue 3: which instances, the time limit, and what counts as met."""

    name: str
    time_limit: float
    max_excess: float  # allowed fraction above best known
    max_seconds: float | None  # per-instance wall limit (orlib: 1 s), else the time limit
    need_optimal: bool


TARGETS = {
    "orlib": Target("orlib gap1-12: optimal, <= 1 s each", 1.0, 0.0, 1.0, True),
    "small": Target("A-E <= 400 jobs: <= 0.1 % in 10 s", 10.0, 0.001, None, False),
    "large": Target("900-1,600 jobs: <= 0.5 % in 60 s", 60.0, 0.005, None, False),
}


@dataclass
class Row:
    """Outcome on one instance."""

    instance: str
    target: str
    best_known: float
    ours: float | None
    excess: float | None  # fraction above (worse than) best known
    seconds: float
    status: str
    bound: float | None  # proven bound in GAP terms (lower bound on cost / upper on profit)
    met: bool


def best_known(gap_dir: Path) -> dict[str, dict[str, str]]:
    """Rows of best_known.csv keyed by instance name."""
    with (gap_dir / "best_known.csv").open() as fh:
        return {row["instance"]: row for row in csv.DictReader(fh)}


def select(gap_dir: Path, which: str) -> list[tuple[str, str]]:
    """(target key, relative file) for every instance file of a set."""
    rows = best_known(gap_dir).values()
    files: dict[str, str] = {}
    for row in rows:
        jobs, rel = int(row["jobs"]), row["file"].split("#")[0]
        if rel.startswith("orlib/"):
            key = "orlib"
        elif jobs <= 400:
            key = "small"
        elif 900 <= jobs <= 1600:
            key = "large"
        else:
            continue
        if which in (key, "all"):
            files.setdefault(rel, key)
    return sorted(((k, f) for f, k in files.items()), key=lambda kf: (kf[0], kf[1]))


def excess_of(inst: GapInstance, best: float, value: float) -> float:
    """How much worse than best known, as a fraction (negative: better)."""
    if inst.sense == "min":
        return (value - best) / best
    return (best - value) / best


def run_instance(
    inst: GapInstance, target: Target, best: float, time_limit: float, workers: int
) -> Row:
    """Solve one instance and judge it against the target."""
    t0 = time.perf_counter()
    data = problem_from_dict(inst.to_problem_dict())
    with native_stdout_to_stderr():
        res = solve(data, SolveParams(time_limit=time_limit, workers=workers, seed=0))
    seconds = time.perf_counter() - t0
    found = res.status.name in ("OPTIMAL", "FEASIBLE")
    ours = round(inst.cost_of(res.objective), 6) if found else None
    bound = inst.cost_of(res.bound) if math.isfinite(res.bound) else None
    excess = excess_of(inst, best, ours) if ours is not None else None
    met = excess is not None and excess <= target.max_excess + 1e-12
    if target.need_optimal:
        met = met and res.status.name == "OPTIMAL"
    if target.max_seconds is not None:
        met = met and seconds <= target.max_seconds
    return Row(inst.name, target.name, best, ours, excess, seconds, res.status.name, bound, met)


def summary(target: Target, rows: list[Row]) -> str:
    """One line: met or not, counts, worst excess and slowest instance."""
    if not rows:
        return f"{target.name}: no instances run"
    worst = max(rows, key=lambda r: math.inf if r.excess is None else r.excess)
    slow = max(rows, key=lambda r: r.seconds)
    ok = sum(r.met for r in rows)
    verdict = "MET" if ok == len(rows) else "NOT MET"
    return (
        f"{target.name}: {verdict} ({ok}/{len(rows)} instances); worst {pct(worst.excess)} "
        f"({worst.instance}); slowest {slow.seconds:.2f} s ({slow.instance}); "
        f"optimal {sum(r.status == 'OPTIMAL' for r in rows)}/{len(rows)}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the selected GAP sets and print the tables and summary lines."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("gap_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--set", choices=("orlib", "small", "large", "all"), default="orlib")
    ap.add_argument("--only", action="append", default=[], help="instance name (repeatable)")
    ap.add_argument("--time-limit", type=float, default=None, help="override the target's")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="also write rows as JSON lines")
    args = ap.parse_args(argv)
    known = best_known(args.gap_dir)
    from solver.compiled import warm  # numba: compiled once per install, loaded from the cache

    ready = warm()
    print(f"compiled tabu search and knapsack bound ready in {ready:.2f} s (not timed below)",
          file=sys.stderr)  # fmt: skip
    which = "all" if args.only else args.set
    results: dict[str, list[Row]] = {}
    sink = args.json.open("a") if args.json else None
    for key, rel in select(args.gap_dir, which):
        target = TARGETS[key]
        path = args.gap_dir / rel
        if not path.exists():  # a flat copy such as tests/data/gap
            path = args.gap_dir / Path(rel).name
        if not path.exists():
            continue
        for inst in read_gap_file(path):
            if args.only and inst.name not in args.only:
                continue
            limit = args.time_limit or target.time_limit
            row = run_instance(inst, target, float(known[inst.name]["best_known"]), limit,
                               args.workers)  # fmt: skip
            results.setdefault(key, []).append(row)
            print(
                f"{row.instance:10s} best {fmt(row.best_known, 0):>9s} ours {fmt(row.ours, 0):>9s} "
                f"{pct(row.excess):>8s} {row.seconds:7.2f} s {row.status:9s} "
                f"bound {fmt(row.bound, 1):>10s} {'ok' if row.met else 'MISS'}",
                file=sys.stderr,
                flush=True,
            )
            if sink:
                sink.write(json.dumps(asdict(row)) + "\n")
                sink.flush()
    header = ["instance", "best known", "ours", "above best", "time s", "status", "bound", "met"]
    for key, rows in results.items():
        print(f"\n### {TARGETS[key].name}\n")
        cells = [
            [r.instance, fmt(r.best_known, 0), fmt(r.ours, 0), pct(r.excess), f"{r.seconds:.2f}",
             r.status, fmt(r.bound, 1), "yes" if r.met else "NO"]
            for r in rows
        ]  # fmt: skip
        print(table(cells, header))
    print()
    for key, rows in results.items():
        print(summary(TARGETS[key], rows))
    if sink:
        sink.close()
    return 0 if all(r.met for rows in results.values() for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
