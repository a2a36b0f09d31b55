"""`allot gen-problem` and `allot solve-file` end to end on small files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli_solver import main
from solver import Allocation, ProblemData, evaluate, load_problem, validate

SUMMARY = re.compile(
    r"^status=(OPTIMAL|FEASIBLE) objective=(-?[0-9.]+) bound=(-?[0-9.]+) "
    r"gap=([0-9.]+)% runtime=([0-9.]+)s$"
)
GEN = ["--accounts", "60", "--partners", "6", "--territories", "2", "--specialists", "4"]


def allocation_of(data: ProblemData, result: dict[str, Any]) -> Allocation:
    """Rebuild an Allocation from an allot-result/1 dict, by ids."""
    acc = {a: i for i, a in enumerate(data.account_ids)}
    par = {p: i for i, p in enumerate(data.partner_ids)}
    spe = {s: i for i, s in enumerate(data.specialist_ids)}
    alloc = Allocation.empty(data)
    for row in result["assignments"]:
        a = acc[row["account"]]
        alloc.partner[a] = par[row["partner"]]
        for sid in row["specialists"]:
            s = spe[sid]
            alloc.specialist[a, data.specialist_line[s]] = s
    return alloc


@pytest.fixture(scope="module")
def problem_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic problem with every rule active, written by gen-problem."""
    out = tmp_path_factory.mktemp("cli") / "problem.json"
    assert main(["gen-problem", *GEN, "--seed", "3", "--policy", "all", "--out", str(out)]) == 0
    return out


def test_gen_problem_writes_a_valid_deterministic_problem(
    problem_file: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.json"
    assert main(["gen-problem", *GEN, "--seed", "3", "--out", str(again)]) == 0
    assert again.read_text() == problem_file.read_text()
    raw = json.loads(problem_file.read_text())
    assert raw["format"] == "allot-problem/1"
    assert len(raw["accounts"]) == 60
    assert len(raw["partners"]) == 6
    assert raw["policy"]["tier_floor"] is not None
    assert raw["policy"]["min_track_share"]
    data = load_problem(problem_file)
    assert data.n_accounts == 60


def test_gen_problem_policy_none_has_no_rules(tmp_path: Path) -> None:
    out = tmp_path / "none.json"
    assert main(["gen-problem", *GEN, "--seed", "3", "--policy", "none", "--out", str(out)]) == 0
    policy = json.loads(out.read_text())["policy"]
    assert policy["pins"] == [] and policy["tier_floor"] is None


def test_solve_file_writes_a_result_that_passes_the_validator(
    problem_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.json"
    argv = ["solve-file", str(problem_file), "--time-limit", "2", "--seed", "1", "--out", str(out)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    result = json.loads(out.read_text())
    assert result["format"] == "allot-result/1"
    assert result["status"] == match.group(1)
    data = load_problem(problem_file)
    alloc = allocation_of(data, result)
    assert validate(data, alloc) == []
    objective = evaluate(data, alloc)
    assert objective == pytest.approx(result["objective"], rel=1e-9)
    assert float(match.group(2)) == pytest.approx(objective, abs=0.01)
    assert result["objective"] <= result["bound"] + 1e-6 * abs(result["bound"])
    assert np.count_nonzero(alloc.partner >= 0) == len(result["assignments"])


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"format": "allot-problem/1", "partners": [{"id": "p", "track": "X"}]}', "track"),
        ("{not json", "not valid JSON"),
        ('{"format": "allot-problem/9"}', "format"),
    ],
)
def test_bad_problem_file_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["solve-file", str(bad), "--time-limit", "1"]) == 2
    err = capsys.readouterr()
    assert err.out == ""
    lines = err.err.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]
    assert "Traceback" not in err.err


def test_solve_file_as_a_command_keeps_stdout_to_the_summary(problem_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli_solver", "solve-file", str(problem_file),
         "--time-limit", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out_lines = proc.stdout.strip().splitlines()
    assert len(out_lines) == 1 and SUMMARY.match(out_lines[0]), proc.stdout
    # Not a terminal: progress comes as plain lines, never redrawn with a carriage return.
    assert "\r" not in proc.stderr
    assert "incumbent" in proc.stderr


def test_missing_file_is_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve-file", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _gap_problem(tmp_path: Path) -> Path:
    """c05100 (tests/data/gap, from the Chu & Beasley set) as an allot-problem/1 file: pair-
    separable, so the compiled tabu search and the knapsack bound run on it."""
    from solver.gap import read_gap_file

    data = Path(__file__).resolve().parent.parent / "data" / "gap" / "c05100"
    inst = next(i for i in read_gap_file(data) if i.name == "c05100")
    out = tmp_path / "c05100.json"
    out.write_text(json.dumps(inst.to_problem_dict()))
    return out


def _count_warm_ups(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record each call of ``solver.compiled.warm`` (the real one still runs)."""
    import solver.compiled

    calls: list[float] = []
    real = solver.compiled.warm

    def spy() -> float:
        calls.append(real())
        return calls[-1]

    monkeypatch.setattr(solver.compiled, "warm", spy)
    return calls


def test_solve_file_loads_the_compiled_kernels_before_a_pair_separable_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _count_warm_ups(monkeypatch)
    problem = _gap_problem(tmp_path)
    out = tmp_path / "result.json"
    argv = ["solve-file", str(problem), "--time-limit", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    assert len(calls) == 1 and calls[0] >= 0
    match = SUMMARY.match(capsys.readouterr().out.strip())
    assert match
    data = load_problem(problem)
    assert validate(data, allocation_of(data, json.loads(out.read_text()))) == []


def test_solve_file_loads_them_for_the_knapsack_bound_on_a_problem_with_specialists(
    problem_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_warm_ups(monkeypatch)  # not pair-separable, but its knapsacks are small
    assert main(["solve-file", str(problem_file), "--time-limit", "1", "--quiet"]) == 0
    assert len(calls) == 1


def test_solve_file_does_not_load_them_where_they_never_run(
    problem_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import solver.separable

    calls = _count_warm_ups(monkeypatch)
    # specialists (no tabu search) and, with this budget, knapsacks too large for the bound
    monkeypatch.setattr(solver.separable, "DP_BUDGET", 0)
    monkeypatch.setattr(solver.separable, "SPARE_DP_BUDGET", 0)
    assert main(["solve-file", str(problem_file), "--time-limit", "1", "--quiet"]) == 0
    assert calls == []
