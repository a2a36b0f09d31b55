"""GAP reader (token layout, allot-problem/1 mapping, cost <-> objective) and GAP optima."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from solver import SolveParams, evaluate, problem_from_dict, solve, validate
from solver.gap import (
    GapFormatError,
    GapInstance,
    account_id,
    parse_gap_text,
    partner_id,
    read_gap_file,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "gap"


def best_known() -> dict[str, int]:
    """Known optima of the copied instances, from tests/data/gap/best_known.csv."""
    with (DATA / "best_known.csv").open() as fh:
        return {row["instance"]: int(row["best_known"]) for row in csv.DictReader(fh)}


# A 2-agent, 3-job minimisation instance, line breaks placed arbitrarily on purpose.
TINY = """2 3
4 1 7  2 5
3
2 2 2 1 1
1
3 2
"""


def test_tiny_instance_layout_is_agent_major() -> None:
    (inst,) = parse_gap_text(TINY, "tiny")
    assert inst.name == "tiny"
    assert inst.sense == "min"
    assert (inst.agents, inst.jobs) == (2, 3)
    assert inst.cost == ((4, 1, 7), (2, 5, 3))
    assert inst.weight == ((2, 2, 2), (1, 1, 1))
    assert inst.capacity == (3, 2)


def test_min_instance_maps_to_value_c_minus_cost() -> None:
    (inst,) = parse_gap_text(TINY, "tiny")
    # C = max cost + 1 = 8, so value(agent 0, job 1) = 8 - 1 = 7.
    assert inst.offset == 8
    assert inst.value(0, 1) == 7
    # Every job assigned: objective = n*C - cost = 3*8 - cost; cost 6 <-> objective 18.
    assert inst.cost_of(18.0) == 6.0
    assert inst.objective_of(6.0) == 18.0


def test_problem_dict_has_one_pair_per_job_and_agent() -> None:
    (inst,) = parse_gap_text(TINY, "tiny")
    d = inst.to_problem_dict()
    assert d["format"] == "allot-problem/1"
    assert d["policy"]["must_cover"] is True
    assert [p["capacity"] for p in d["partners"]] == [3, 2]
    assert all(p["territories"] == ["T"] for p in d["partners"])
    assert [a["territory"] for a in d["accounts"]] == ["T", "T", "T"]
    pairs = {(q["account"], q["partner"]): (q["value"], q["effort"]) for q in d["pairs"]}
    assert len(pairs) == 6
    # job 2 on agent 1: cost 3 -> value 8 - 3 = 5, resource use 1.
    assert pairs[(account_id(2), partner_id(1))] == (5, 1)
    assert pairs[(account_id(0), partner_id(0))] == (4, 2)


def test_orlib_file_holds_five_maximisation_problems() -> None:
    insts = read_gap_file(DATA / "gap1.txt")
    assert [i.name for i in insts] == [f"gap1-{k}" for k in range(1, 6)]
    assert all(i.sense == "max" and (i.agents, i.jobs) == (5, 15) for i in insts)
    assert insts[0].cost[0][:3] == (17, 21, 22)
    # Profits are used as values directly and the objective is the profit.
    assert insts[0].offset == 0
    assert insts[0].value(0, 0) == 17
    assert insts[0].cost_of(336.0) == 336.0


def test_chu_file_is_one_minimisation_instance() -> None:
    (inst,) = read_gap_file(DATA / "c05100")
    assert (inst.name, inst.sense, inst.agents, inst.jobs) == ("c05100", "min", 5, 100)
    d = inst.to_problem_dict()
    assert len(d["pairs"]) == 500
    assert min(q["value"] for q in d["pairs"]) >= 1


def test_best_known_rows_match_copied_files() -> None:
    known = best_known()
    files = ("gap1.txt", "a05100", "c05100", "d20100")
    names = {i.name for f in files for i in read_gap_file(DATA / f)}
    assert names == set(known)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 3 1 2 3", "expected"),
        ("2 x", "non-integer"),
        ("", "empty"),
        ("2\n1 1 5 1 7 9", "truncated"),
        ("0 3", "positive"),
    ],
)
def test_malformed_text_raises_format_error(text: str, message: str) -> None:
    with pytest.raises(GapFormatError, match=message):
        parse_gap_text(text, "bad")


def test_trailing_tokens_after_problems_are_rejected() -> None:
    text = "1\n1 1\n5\n1\n2\n99"
    with pytest.raises(GapFormatError, match="trailing"):
        parse_gap_text(text, "bad")


def _solve(inst: GapInstance, time_limit: float) -> tuple[float, str]:
    """Solve through the allocation solver; check the allocation, return (GAP value, status)."""
    data = problem_from_dict(inst.to_problem_dict())
    res = solve(data, SolveParams(time_limit=time_limit, workers=2, seed=0))
    assert validate(data, res.allocation) == []
    assert evaluate(data, res.allocation) == pytest.approx(res.objective)
    assert res.objective <= res.bound + 1e-6 * abs(res.bound)
    # must_cover: every job goes to exactly one agent.
    assert (res.allocation.partner >= 0).all()
    return inst.cost_of(res.objective), res.status.name


@pytest.mark.parametrize("k", range(5))
def test_orlib_gap1_solves_to_proven_optimum(k: int) -> None:
    inst = read_gap_file(DATA / "gap1.txt")[k]
    value, status = _solve(inst, time_limit=10.0)
    assert status == "OPTIMAL"
    assert value == pytest.approx(best_known()[inst.name])


@pytest.mark.parametrize("name", ["a05100", "c05100"])
def test_chu_5x100_reaches_known_optimum(name: str) -> None:
    (inst,) = read_gap_file(DATA / name)
    value, _ = _solve(inst, time_limit=20.0)
    # a05100 and c05100 are solved to their optimum (1698, 1931) in about 1 s on 2 cores.
    assert value == pytest.approx(best_known()[name])
