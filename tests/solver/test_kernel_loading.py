"""``solve`` loads the compiled kernels in the background once per process: it starts a loader
where no one has imported them yet, and none where a load is under way or done (the CLI, a solve
worker's child and benchmarks call ``solver.compiled.warm`` first). Each case runs in a fresh
interpreter, since this test process has imported the kernels long before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GAP = Path(__file__).resolve().parent.parent / "data" / "gap" / "c05100"

# c05100 is pair-separable: the solve runs the compiled tabu search, so it wants the kernels
SCRIPT = """
import sys, threading
started = []
real_start = threading.Thread.start
def start(self):
    started.append(self.name)
    real_start(self)
threading.Thread.start = start
if sys.argv[2] == "loading":
    import solver.compiled  # what a warm-up under way has done
from solver import SolveParams, problem_from_dict, solve
from solver.gap import read_gap_file
inst = next(i for i in read_gap_file(sys.argv[1]) if i.name == "c05100")
res = solve(problem_from_dict(inst.to_problem_dict()), SolveParams(time_limit=1, workers=2))
assert res.status.name in ("OPTIMAL", "FEASIBLE"), res.status
print(started.count("allot-solver-kernels"))
"""


@pytest.mark.parametrize(("before", "loaders"), [("nothing", 1), ("loading", 0)])
def test_solve_starts_a_kernel_loader_only_where_none_has_started(
    before: str, loaders: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(GAP), before],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().splitlines()[-1]) == loaders
