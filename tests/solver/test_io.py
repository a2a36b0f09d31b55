"""The file contract: validation errors name the field; results carry string ids only."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from solver import (
    ProblemValidationError,
    Progress,
    SolveParams,
    SolveStatus,
    load_problem,
    problem_from_dict,
    result_to_dict,
    solve,
)
from tests.solver.helpers import tiny


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("partners", 1, "capacity"), -1, "partners[1].capacity: must be >= 0"),
        (("partners", 0, "attach_rates", "L"), 1.5, "partners[0].attach_rates.L: must be <= 1"),
        (("accounts", 2, "territory"), "X", "accounts[2].territory: unknown territory 'X'"),
        (("specialists", 0, "lift"), -0.1, "specialists[0].lift: must be >= 0"),
        (("partners", 0, "tier"), "GOLDEN", "partners[0].tier: must be one of"),
        (("accounts", 0, "incumbent"), "P9", "accounts[0].incumbent: unknown partner 'P9'"),
        (("policy", "stickiness"), -1, "policy.stickiness: must be >= 0"),
    ],
)
def test_bad_field_is_named(path: tuple, value: object, message: str) -> None:  # type: ignore[type-arg]
    d = tiny()
    node = d
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ProblemValidationError) as err:
        problem_from_dict(d)
    assert str(err.value).startswith(message)


def test_pair_must_be_eligible() -> None:
    d = tiny()
    d["territories"].append("U")
    d["partners"][0]["territories"] = ["U"]
    d["pairs"] = [{"account": "A1", "partner": "P1", "value": 5, "effort": 1}]
    with pytest.raises(ProblemValidationError, match=r"pairs\[0\]"):
        problem_from_dict(d)


def test_pairs_override_value_and_effort() -> None:
    # A1-P1 valued 1000 with effort 2 fills P1 alone: A1 on P1 (1000 + S .5*100 = 50 is beaten by
    # S on A2 with P2: .6*200 = 120); A2, A3 on P2: 40 + 10. Total 1000 + 40 + 10 + 120 = 1170.
    d = tiny()
    d["pairs"] = [{"account": "A1", "partner": "P1", "value": 1000, "effort": 2}]
    res = solve(problem_from_dict(d), SolveParams(time_limit=5, workers=1))
    assert res.objective == pytest.approx(1170)


def test_load_problem_and_result_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(tiny()))
    data = load_problem(path)
    seen: list[Progress] = []
    res = solve(data, SolveParams(time_limit=5, workers=1), progress=seen.append)
    out = result_to_dict(res, data)
    assert out["format"] == "allot-result/1"
    assert {r["account"] for r in out["assignments"]} == {"A1", "A2", "A3"}
    assert {r["id"] for r in out["partners"]} == {"P1", "P2"}
    assert json.loads(json.dumps(out)) == out
    assert seen and seen[-1].incumbent == pytest.approx(res.objective)
    p1 = next(r for r in out["partners"] if r["id"] == "P1")
    assert p1["load"] == 2 and p1["shadow_price"] > 0  # P1 is the scarce capacity


def test_bad_json_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{not json")
    with pytest.raises(ProblemValidationError, match="file"):
        load_problem(path)


def test_cancel_keeps_a_valid_answer() -> None:
    stop = threading.Event()
    stop.set()
    res = solve(problem_from_dict(tiny()), SolveParams(time_limit=30), cancel=stop)
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL, SolveStatus.UNKNOWN)
    assert res.runtime_s < 30


def test_params_from_dict() -> None:
    assert SolveParams.from_dict({"time_limit": 3, "seed": 4}).seed == 4
    with pytest.raises(ProblemValidationError, match="colour"):
        SolveParams.from_dict({"colour": 1})
