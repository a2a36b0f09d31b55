"""End to end over HTTP and WebSocket: create, solve, watch progress (through a dropped LISTEN
connection), cancel, re-solve, and a worker killed with SIGKILL in the middle of a solve whose
job a new worker finishes.

The app (api/app.py under uvicorn on a free port, no in-process worker) and the solve worker
(`python -m api worker`) are separate processes on a fresh database holding a 2,000-account
synthetic channel, large enough that a solve runs until its time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
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
import websockets

from db.scenarios.progress import LISTENER_NAME
from db.seed import seed
from schema.common.ids import decode_id
from solver.synthetic import generate_channel

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import uvicorn
from api.app import create_app
from api.settings import Settings
uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port={port}, log_level="warning")
"""
CHANNEL = {"seed": 7, "accounts": 2000, "partners": 80, "territories": 8, "specialists": 24}
WORKER = [
    sys.executable,
    "-m",
    "api",
    "worker",
    "--heartbeat-timeout",
    "2",
    "--dequeue-timeout",
    "0.5",
]

CREATE = """mutation ($input: CreateScenarioInput!) { createScenario(input: $input) {
  __typename ... on ScenarioSuccess { scenario { id status } }
  ... on ValidationError { field rule message } } }"""
SOLVE = """mutation ($id: ID!) { solveScenario(id: $id) {
  __typename ... on ScenarioSuccess { scenario { status } } ... on ConflictError { message } } }"""
CANCEL = """mutation ($id: ID!) { cancelSolve(scenarioId: $id) {
  __typename ... on ScenarioSuccess { scenario { status } } ... on ConflictError { message } } }"""
CLONE = """mutation ($id: ID!) { cloneScenario(id: $id, name: "re-run") {
  __typename ... on ScenarioSuccess { scenario { id status } } } }"""
UPDATE = """mutation ($id: ID!, $input: UpdateScenarioInput!) {
  updateScenario(id: $id, input: $input) { __typename
    ... on ScenarioSuccess { scenario { version parameters { timeLimitS } } } } }"""
GET = """query ($id: ID!) { scenario(id: $id) { status solverStatus objectiveCents boundCents gap
  runtimeS stoppedEarly failureReason transitions { fromStatus toStatus detail } } }"""
PROGRESS = """subscription ($id: ID!) { solveProgress(scenarioId: $id) {
  scenarioId status incumbent bound gap elapsedS stoppedEarly } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Api:
    """The running app over HTTP and WebSocket, and the processes behind it."""

    url: str
    client: httpx.AsyncClient
    env: dict[str, str]

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def scenario(self, sid: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.gql(GET, id=sid))["scenario"]
        return found

    @staticmethod
    async def _next(ws: Any) -> dict[str, Any] | None:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message["type"] == "next":
                assert "errors" not in message["payload"], message
                event: dict[str, Any] = message["payload"]["data"]["solveProgress"]
                return event
            if message["type"] == "complete":
                return None
            assert message["type"] in ("ping", "pong"), message

    async def watch(self, sid: str) -> AsyncIterator[dict[str, Any]]:
        """solveProgress events over graphql-transport-ws until the server completes."""
        ws_url = self.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": PROGRESS, "variables": {"id": sid}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            while (event := await self._next(ws)) is not None:
                yield event


@contextlib.asynccontextmanager
async def _db(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture
async def channel_url(make_database: Any) -> str:
    """A fresh migrated database holding the CHANNEL synthetic channel."""
    url: str = await make_database("migrated")
    conn = await asyncpg.connect(url)
    try:
        await seed(conn, generate_channel(**CHANNEL))
    finally:
        await conn.close()
    return url


@pytest.fixture
def processes(channel_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the app; yield its URL and the environment a worker needs; stop it."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": channel_url,
        "ALLOT_INPROCESS_WORKER": "0",
        "ALLOT_SOLVER_WORKERS": "1",
        "ALLOT_DATA_DIR": str(tmp_path / "data"),
        "ALLOT_LOG_LEVEL": "WARNING",
        "ALLOT_DEMO_ANONYMOUS_ROLE": "ADMIN",
    }
    server = _spawn([sys.executable, "-c", SERVER.format(port=port)], env)
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
        yield url, env
    finally:
        _stop(server)


@pytest.fixture
async def api(processes: tuple[str, dict[str, str]]) -> AsyncIterator[Api]:
    url, env = processes
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        yield Api(url, client, env)


async def _until_incumbent(stream: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events up to and including the first SOLVING event with an incumbent."""
    seen = []
    async for event in stream:
        seen.append(event)
        if event["status"] == "SOLVING" and event["incumbent"] is not None:
            return seen
        assert event["status"] in ("QUEUED", "SOLVING"), seen
    raise AssertionError(f"the stream ended before an incumbent: {seen}")


async def test_solve_watch_cancel_resolve_and_survive_a_killed_worker(api: Api) -> None:
    # Bad input: a field-level error naming the path of the bad ID.
    bad = await api.gql(
        CREATE,
        input={
            "name": "bad",
            "parameters": {"policy": {"pins": [{"accountId": "QWNjb3VudDox", "partnerId": "x"}]}},
        },
    )
    assert bad["createScenario"]["__typename"] == "ValidationError"
    assert bad["createScenario"]["field"] == "input.parameters.policy.pins[0].partnerId"

    created = await api.gql(CREATE, input={"name": "plan", "parameters": {"timeLimitS": 30}})
    sid = created["createScenario"]["scenario"]["id"]
    worker = _spawn(WORKER, api.env)
    try:
        assert (await api.gql(SOLVE, id=sid))["solveScenario"]["__typename"] == "ScenarioSuccess"
        stream = api.watch(sid)
        head = await _until_incumbent(stream)
        assert head[0]["status"] in ("QUEUED", "SOLVING")  # the current state comes first
        # Drop the app's LISTEN connection: the stream must still see the end of the solve.
        async with _db(api.env["DATABASE_URL"]) as db:
            dropped = await db.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = current_database()",
                LISTENER_NAME,
            )
        assert dropped == 1
        # Cancel: the solve stops long before its 30 s and keeps its best allocation.
        cancel = await api.gql(CANCEL, id=sid)
        assert cancel["cancelSolve"]["__typename"] == "ScenarioSuccess"
        rest = [event async for event in stream]
        assert rest[-1]["status"] == "SOLVED" and rest[-1]["stoppedEarly"] is True
        done = await api.scenario(sid)
        assert done["status"] == "SOLVED" and done["stoppedEarly"] is True
        assert int(done["objectiveCents"]) > 0
        statuses = [t["toStatus"] for t in done["transitions"]]
        assert statuses == ["DRAFT", "QUEUED", "SOLVING", "SOLVED"]

        # Re-solve a clone with a shorter limit, and kill its worker in the middle.
        clone = (await api.gql(CLONE, id=sid))["cloneScenario"]["scenario"]["id"]
        upd = await api.gql(UPDATE, id=clone, input={"parameters": {"timeLimitS": 6}})
        assert upd["updateScenario"]["scenario"]["parameters"]["timeLimitS"] == 6
        await api.gql(SOLVE, id=clone)
        await _until_incumbent(api.watch(clone))
        solver_children = _children(worker.pid)
        assert solver_children, "the solve should run in a child process of the worker"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in solver_children) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not any(_alive(pid) for pid in solver_children), "the solver outlived its worker"
        assert (await api.scenario(clone))["status"] == "SOLVING"  # nobody finished it

        worker = _spawn(WORKER, api.env)  # a new worker picks the job up again
        events = [e async for e in api.watch(clone)]
        assert events[-1]["status"] == "SOLVED"
        again = await api.scenario(clone)
        assert again["status"] == "SOLVED" and again["stoppedEarly"] is False
        assert again["solverStatus"] in ("OPTIMAL", "FEASIBLE")
        steps = [(t["fromStatus"], t["toStatus"]) for t in again["transitions"]]
        assert steps == [
            (None, "DRAFT"),
            ("DRAFT", "QUEUED"),
            ("QUEUED", "SOLVING"),
            ("SOLVING", "QUEUED"),  # the new worker found the job of a dead one
            ("QUEUED", "SOLVING"),
            ("SOLVING", "SOLVED"),
        ]
        assert decode_id(clone, "Scenario") != decode_id(sid, "Scenario")
    finally:
        _stop(worker)
