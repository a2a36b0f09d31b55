"""End to end over HTTP: solve, compare, publish, concurrent publish, repair, publish the repair.

The app (api/app.py create_app under uvicorn on a free port) and a solve worker (`allot worker`)
run as separate processes against a fresh copy of the seeded channel (300 accounts, 20
partners); the test talks GraphQL over HTTP and reads the database directly only to check
what the API says (and to stand in for the partner portal, which declines offers).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from db.publish import PUBLISH_LOCK
from schema.common.ids import decode_id

pytestmark = pytest.mark.slow

SERVER = """
import uvicorn
from api.app import create_app
from api.settings import Settings
uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port={port}, log_level="warning")
"""
ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 3.0

CREATE = """mutation ($input: CreateScenarioInput!) { createScenario(input: $input) {
  __typename ... on ScenarioSuccess { scenario { id } }
  ... on ValidationError { field message } } }"""
SOLVE = """mutation ($id: ID!) { solveScenario(id: $id) {
  __typename ... on ConflictError { message } } }"""
STATUS = """query ($id: ID!) { scenario(id: $id) { status failureReason result {
  solverStatus objectiveCents
  kpis { totalExpectedRevenueCents assignedAccounts scopeAccounts }
  partnerLoads { partner { id } load } } } }"""
COMPARE = """query ($base: ID!, $other: ID!) { compareScenarios(baseId: $base, otherId: $other) {
  movedAccounts revenueDeltaCents byTrack { key revenueDeltaCents } } }"""
PUBLISH = """mutation ($id: ID!) { publishScenario(id: $id) {
  __typename
  ... on PublishScenarioSuccess { offered kept superseded removed alreadyPublished }
  ... on ConflictError { message } ... on ValidationError { rule message } } }"""
REPAIR = """mutation ($id: ID!) { repairScenario(id: $id) {
  __typename ... on RepairScenarioSuccess { accounts scenario { id kind status } }
  ... on ValidationError { rule message } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Api:
    """The running app: a GraphQL client and a direct database connection for checks."""

    client: httpx.AsyncClient
    db: asyncpg.Connection

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def solved(self, name: str, parameters: dict[str, Any] | None = None) -> str:
        """Create, solve and wait until SOLVED; return the global ID."""
        params = {"timeLimitS": TIME_LIMIT_S, **(parameters or {})}
        created = await self.gql(CREATE, input={"name": name, "parameters": params})
        sid: str = created["createScenario"]["scenario"]["id"]
        await self.queue_and_wait(sid)
        return sid

    async def queue_and_wait(self, sid: str, *, queue: bool = True) -> dict[str, Any]:
        if queue:
            solve = await self.gql(SOLVE, id=sid)
            assert solve["solveScenario"]["__typename"] == "ScenarioSuccess", solve
        deadline = time.monotonic() + 120
        while True:
            scenario: dict[str, Any] = (await self.gql(STATUS, id=sid))["scenario"]
            if scenario["status"] in ("SOLVED", "FAILED", "CANCELLED"):
                assert scenario["status"] == "SOLVED", scenario
                return scenario
            assert time.monotonic() < deadline, f"{sid} still {scenario['status']}"
            await asyncio.sleep(0.3)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture
def processes(seeded_database_url: str, tmp_path: Path) -> Iterator[str]:
    """Start the app and one worker; yield the app's base URL; stop both."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": seeded_database_url,
        "ALLOT_INPROCESS_WORKER": "0",  # the worker below is a separate process
        "ALLOT_SOLVER_WORKERS": "1",
        "ALLOT_DATA_DIR": str(tmp_path / "data"),
        "ALLOT_LOG_LEVEL": "WARNING",
        "ALLOT_DEMO_ANONYMOUS_ROLE": "ADMIN",
    }
    server = _spawn([sys.executable, "-c", SERVER.format(port=port)], env)
    worker = _spawn([sys.executable, "-m", "api", "worker"], env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the app exited before answering"
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the app did not become ready"
            time.sleep(0.2)
        yield url
    finally:
        _stop(worker)
        _stop(server)


@pytest.fixture
async def api(processes: str, seeded_database_url: str) -> AsyncIterator[Api]:
    db = await asyncpg.connect(seeded_database_url)
    async with httpx.AsyncClient(base_url=processes, timeout=60) as client:
        yield Api(client, db)
    await db.close()


async def _pairs(db: asyncpg.Connection, sid: str) -> dict[int, int | None]:
    """account -> partner (None: unassigned) of a scenario's result, straight from the tables."""
    db_id = decode_id(sid, "Scenario")
    rows = await db.fetch(
        "SELECT account_id, partner_id FROM scenario_assignments WHERE scenario_id = $1 "
        "UNION ALL SELECT account_id, NULL FROM scenario_unassigned WHERE scenario_id = $1",
        db_id,
    )
    return {r["account_id"]: r["partner_id"] for r in rows}


async def _live(db: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(await db.fetch("SELECT * FROM assignments ORDER BY account_id"))


async def test_compare_publish_race_and_repair(api: Api) -> None:
    # A: the default scenario (every UNNAMED account)
    a = await api.solved("A")
    a_state = await api.queue_and_wait(a, queue=False)
    assert a_state["result"]["solverStatus"] in ("OPTIMAL", "FEASIBLE")
    busiest = max(a_state["result"]["partnerLoads"], key=lambda p: p["load"])["partner"]["id"]
    # B: the same with A's busiest partner given no capacity, so its accounts must move
    b = await api.solved("B", {"partnerCapacities": [{"id": busiest, "capacity": 0}]})
    c = await api.solved("C")  # a second plain solve, to race against B

    # compare: the move count agrees with the tables, and B's accounts left the busiest partner
    cmp = (await api.gql(COMPARE, base=a, other=b))["compareScenarios"]
    pa, pb = await _pairs(api.db, a), await _pairs(api.db, b)
    moved = [k for k in pa.keys() & pb.keys() if pa[k] != pb[k]]
    assert cmp["movedAccounts"] == len(moved) > 0
    busiest_db = decode_id(busiest, "Partner")
    assert busiest_db not in pb.values()
    rev = await api.db.fetch(
        "SELECT scenario_id, sum(expected_revenue_cents)::bigint AS total "
        "FROM scenario_assignments WHERE scenario_id = any($1::bigint[]) GROUP BY 1",
        [decode_id(a, "Scenario"), decode_id(b, "Scenario")],
    )
    totals = {r["scenario_id"]: r["total"] for r in rev}
    assert int(cmp["revenueDeltaCents"]) == (
        totals[decode_id(b, "Scenario")] - totals[decode_id(a, "Scenario")]
    )
    assert sum(int(g["revenueDeltaCents"]) for g in cmp["byTrack"]) == int(cmp["revenueDeltaCents"])

    # publish A: the live table is A's allocation
    out = (await api.gql(PUBLISH, id=a))["publishScenario"]
    assert out["__typename"] == "PublishScenarioSuccess"
    assigned_a = {k: v for k, v in pa.items() if v is not None}
    assert out["offered"] == len(assigned_a)
    live = await _live(api.db)
    assert {r["account_id"]: r["partner_id"] for r in live} == assigned_a
    again = (await api.gql(PUBLISH, id=a))["publishScenario"]
    assert again["alreadyPublished"] is True
    assert await _live(api.db) == live

    # a publish in progress elsewhere (the lock held in an open transaction): ConflictError
    async with api.db.transaction():
        await api.db.execute("SELECT pg_advisory_xact_lock($1::bigint)", PUBLISH_LOCK)
        blocked = (await api.gql(PUBLISH, id=b))["publishScenario"]
    assert blocked["__typename"] == "ConflictError", blocked
    assert await _live(api.db) == live

    # B and C published at the same moment: never a mix of the two
    outcomes = await asyncio.gather(api.gql(PUBLISH, id=b), api.gql(PUBLISH, id=c))
    kinds = [o["publishScenario"]["__typename"] for o in outcomes]
    assert set(kinds) <= {"PublishScenarioSuccess", "ConflictError"} and (
        "PublishScenarioSuccess" in kinds
    ), kinds
    winners = {
        decode_id(sid, "Scenario")
        for sid, kind in zip((b, c), kinds, strict=True)
        if kind == "PublishScenarioSuccess"
    }
    live = await _live(api.db)
    owners = {r["scenario_id"] for r in live}
    assert len(owners) == 1 and owners <= winners, (kinds, owners)
    (winner_db,) = owners
    winner = b if winner_db == decode_id(b, "Scenario") else c

    # the partner portal's part: three offers declined
    declined = live[:3]
    for r in declined:
        await api.db.execute(
            "UPDATE assignments SET offer_status = 'DECLINED', responded_at = now() "
            "WHERE account_id = $1",
            r["account_id"],
        )
        await api.db.execute(
            "INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status) "
            "VALUES ($1, $2, $3, 'DECLINED')",
            r["account_id"],
            r["partner_id"],
            r["scenario_id"],
        )
    before = {r["account_id"]: r for r in await _live(api.db)}
    rep = (await api.gql(REPAIR, id=winner))["repairScenario"]
    assert rep["__typename"] == "RepairScenarioSuccess", rep
    assert (rep["accounts"], rep["scenario"]["kind"]) == (3, "REPAIR")
    repair_id = rep["scenario"]["id"]
    await api.queue_and_wait(repair_id, queue=False)
    repaired = await _pairs(api.db, repair_id)
    assert set(repaired) == {r["account_id"] for r in declined}
    for r in declined:  # never offered again to the partner that declined it
        assert repaired[r["account_id"]] != r["partner_id"]

    out = (await api.gql(PUBLISH, id=repair_id))["publishScenario"]
    assert out["__typename"] == "PublishScenarioSuccess", out
    after = {r["account_id"]: r for r in await _live(api.db)}
    untouched = before.keys() - repaired.keys()
    assert all(after[k] == before[k] for k in untouched)  # row for row, times included
    for k, partner in repaired.items():
        if partner is None:
            assert k not in after
        else:
            assert after[k]["partner_id"] == partner
            assert after[k]["offer_status"] == "OFFERED"
