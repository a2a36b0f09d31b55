"""`allot scenario solve ID` end to end (a local worker, progress lines, summary, exit codes)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from db.scenarios import repository
from db.scenarios.models import NewScenario, ScenarioParameters, ScenarioStatus
from schema.common.ids import encode_id

pytestmark = pytest.mark.slow  # a real solve in a child of a child process
ROOT = Path(__file__).resolve().parents[2]


async def _allot(url: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api",
        *args,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "ALLOT_SOLVER_WORKERS": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_scenario_solve_shows_progress_and_ends_solved(
    seeded_pool: asyncpg.Pool, seeded_database_url: str
) -> None:
    s = await repository.create(
        seeded_pool, NewScenario("cli", "ann", parameters=ScenarioParameters(time_limit_s=2))
    )
    code, out, err = await _allot(
        seeded_database_url, "scenario", "solve", encode_id("Scenario", s.id), "--local"
    )
    assert code == 0, err
    assert out.startswith(f"scenario {s.id}: SOLVED solver=")
    assert "SOLVING" in err and "incumbent" in err  # the progress lines (not a terminal)
    assert (await repository.get(seeded_pool, s.id)).status is ScenarioStatus.SOLVED


async def test_scenario_solve_of_a_missing_scenario_fails_in_one_line(
    seeded_database_url: str,
) -> None:
    code, out, err = await _allot(seeded_database_url, "scenario", "solve", "999999")
    assert code == 1 and out == ""
    assert err.strip() == "allot scenario solve: error: Scenario 999999 does not exist"
