"""Synthetic channel targets of issue 3 (target 4): our solver vs greedy, HiGHS and CP-SAT.

    python -m bench.solver_channel --size 5k                     # 10 s ours, 300 s references
    python -m bench.solver_channel --size 50k --methods ours,greedy,highs
    python -m bench.solver_channel --size 5k --reference-time 30 # a quick look

Sizes: 5k = 5,000 accounts, 250 partners, 40 territories, 60 specialists (ours 10 s);
50k = 50,000 accounts, 2,500 partners, 40 territories, 700 specialists (ours 60 s). Every rule
is active (``channel_policy``). The problem is written to a JSON file once; each method then
runs in its own process, reading that file, so its wall time includes reading and building and
its peak memory is its own. Objectives are recomputed by ``solver.evaluate`` and every
allocation is checked by ``solver.validate``. ``--json FILE`` appends the rows as JSON lines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, fmt, pct, table

SIZES: dict[str, dict[str, Any]] = {
    "5k": {"accounts": 5000, "partners": 250, "territories": 40, "specialists": 60,
           "ours": 10.0, "highs": 300.0, "cpsat": 300.0},
    "50k": {"accounts": 50000, "partners": 2500, "territories": 40, "specialists": 700,
            "ours": 60.0, "highs": 600.0, "cpsat": 300.0},
}  # fmt: skip


def write_problem(size: str, seed: int, territories: int | None, workdir: Path) -> Path:
    """Generate the channel with every rule active and write it as allot-problem/1 JSON
    (always afresh, so a changed generator is never measured on a stale file)."""
    from solver.synthetic import channel_policy, channel_to_problem, generate_channel

    spec = SIZES[size]
    terr = territories or spec["territories"]
    path = workdir / f"channel-{size}-t{terr}-s{seed}.json"
    channel = generate_channel(
        seed=seed,
        accounts=spec["accounts"],
        partners=spec["partners"],
        territories=terr,
        specialists=spec["specialists"],
    )
    problem = channel_to_problem(channel, name=path.stem, policy=channel_policy(channel, seed))
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(problem))
    return path


def run_method(
    method: str, path: Path, limit: float, seed: int, highs_options: str
) -> dict[str, Any]:
    """Run one method in a child process and return its JSON line (or the failure)."""
    cmd = [sys.executable, "-m", "bench.channel_worker", method, str(path),
           "--time-limit", str(limit), "--seed", str(seed),
           "--highs-options", highs_options]  # fmt: skip
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=3 * limit + 900, check=False
        )
    except subprocess.TimeoutExpired:
        return {"method": method, "status": "TIMEOUT", "wall_s": time.perf_counter() - t0}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"method": method, "status": f"CRASH rc={proc.returncode}", "error": tail,
                "wall_s": time.perf_counter() - t0}  # fmt: skip
    out: dict[str, Any] = json.loads(lines[-1])
    return out


def ratio(a: float | None, b: float | None) -> str:
    """a / b as a number, or '-'."""
    if a is None or b is None or b == 0 or not (math.isfinite(a) and math.isfinite(b)):
        return "-"
    return f"{a / b:.5f}"


def report(size: str, seed: int, runs: dict[str, dict[str, Any]]) -> list[str]:
    """The table for one instance and the verdict lines."""
    bounds = [r["bound"] for m, r in runs.items() if m in ("ours", "highs") and r.get("bound")]
    best_bound = min(bounds) if bounds else None
    ours = runs.get("ours", {}).get("objective")
    header = ["method", "status", "objective", "bound", "gap to best bound", "wall s",
              "peak RSS MB", "valid", "ours / this"]  # fmt: skip
    cells = []
    for method, r in runs.items():
        obj = r.get("objective")
        gap = (best_bound - obj) / best_bound if obj is not None and best_bound else None
        cells.append([
            method, r.get("status", "-"), fmt(obj, 0), fmt(r.get("bound"), 0), pct(gap),
            fmt(r.get("wall_s"), 1), fmt(r.get("peak_rss_mb"), 0),
            "yes" if r.get("violations", 1) == 0 and obj is not None else "-",
            ratio(ours, obj),
        ])  # fmt: skip
    lines = [f"\n### channel {size}, seed {seed}\n", table(cells, header), ""]
    greedy = runs.get("greedy", {}).get("objective")
    if ours is not None and greedy is not None:
        verdict = "beats" if ours > greedy else "does NOT beat"
        lines.append(f"ours {verdict} greedy: {ratio(ours, greedy)} ({pct(ours / greedy - 1)})")
    for ref in ("highs", "cpsat"):
        r = runs.get(ref)
        if r is None:
            continue
        if r.get("objective") is None:
            lines.append(f"{ref}: no solution within its time limit ({r.get('status')})")
        elif ours is not None:
            ok = ours >= r["objective"]
            line = f"ours {'>=' if ok else '<'} {ref}: {ratio(ours, r['objective'])}"
            passed = [t for t, v in r.get("timeline", []) if v > ours]
            if passed:
                line += f"; {ref} passed ours' objective after {passed[0]:.1f} s"
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Generate, run every method one after another, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", choices=("5k", "50k", "both"), default="5k")
    ap.add_argument("--seed", type=int, action="append", default=None, help="repeatable")
    ap.add_argument("--methods", default="ours,greedy,highs,cpsat")
    ap.add_argument("--time-limit", type=float, default=None, help="ours (default 10 / 60 s)")
    ap.add_argument("--reference-time", type=float, default=None, help="HiGHS (300 / 600 s)")
    ap.add_argument("--cpsat-time", type=float, default=None, help="plain CP-SAT (300 s)")
    ap.add_argument("--territories", type=int, default=None)
    ap.add_argument(
        "--highs-options",
        default="presolve=off",
        help="HiGHS options, comma separated (default presolve=off: see reference_models)",
    )
    ap.add_argument("--workdir", type=Path, default=REPO / ".allot" / "bench")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    sizes = ["5k", "50k"] if args.size == "both" else [args.size]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    beat_all = True
    for size in sizes:
        for seed in args.seed or [0]:
            path = write_problem(size, seed, args.territories, args.workdir)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            print(f"{path.name}: sha256 {digest}", file=sys.stderr, flush=True)
            limits = {
                "ours": args.time_limit or SIZES[size]["ours"],
                "greedy": 1.0,
                "highs": args.reference_time or SIZES[size]["highs"],
                "cpsat": args.cpsat_time or SIZES[size]["cpsat"],
            }
            runs: dict[str, dict[str, Any]] = {}
            for method in methods:
                runs[method] = run_method(method, path, limits[method], seed, args.highs_options)
                runs[method]["time_limit"] = limits[method]
                print(f"{size} seed {seed} {method}: {json.dumps(runs[method])[:400]}",
                      file=sys.stderr, flush=True)  # fmt: skip
                if args.json:
                    with args.json.open("a") as fh:
                        row = {"size": size, "seed": seed, "file": path.name,
                               "sha256": digest, **runs[method]}  # fmt: skip
                        fh.write(json.dumps(row) + "\n")
            print("\n".join(report(size, seed, runs)), flush=True)
            o, g = runs.get("ours", {}).get("objective"), runs.get("greedy", {}).get("objective")
            if o is not None and g is not None and o <= g:
                beat_all = False
    return 0 if beat_all else 1


if __name__ == "__main__":
    sys.exit(main())
