"""The Starlette app over HTTP (in-process ASGI): health, readiness, GraphQL, lifespan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from api.app import create_app
from api.auth_settings import AuthSettings
from api.settings import Secret, Settings
from db.migrate import discover
from db.principal import Role
from tests.conftest import SEEDED_CHANNEL
from tests.pgtools import Databases

MakeDatabase = Callable[[str], Awaitable[str]]
# Requests without a token act as ADMIN (what `allot serve --demo` does on a loopback host).
DEMO = Settings(auth=AuthSettings(demo_anonymous_role=Role.ADMIN))


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://allot.test") as client:
            yield client


async def test_healthz_says_ok(pool: asyncpg.Pool) -> None:
    async with running(create_app(Settings(), pool=pool)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_the_database_answers(pool: asyncpg.Pool) -> None:
    async with running(create_app(Settings(), pool=pool)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_gone(
    databases: Databases, migrated_template: str
) -> None:
    name = await databases.create(template=migrated_template)
    settings = Settings(database_url=Secret(databases.url(name)), pool_min_size=1)
    async with running(create_app(settings)) as client:
        assert (await client.get("/readyz")).status_code == 200
        await databases.drop(name)  # closes the pool's connections; reconnecting fails
        response = await client.get("/readyz")
        assert (await client.get("/healthz")).status_code == 200
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_graphql_is_mounted_on_the_pool(seeded_pool: asyncpg.Pool) -> None:
    async with running(create_app(DEMO, pool=seeded_pool)) as client:
        response = await client.post("/graphql", json={"query": "{ productLines { code } }"})
    assert response.status_code == 200
    codes = {line["code"] for line in response.json()["data"]["productLines"]}
    assert codes == {
        "PCS",
        "PRINT",
        "SUPPLIES",
        "MPS",
        "SERVERS",
        "STORAGE",
        "NETWORKING",
        "SERVICES",
    }


async def test_graphql_needs_a_token_outside_demo_mode(pool: asyncpg.Pool) -> None:
    async with running(create_app(Settings(), pool=pool)) as client:
        response = await client.post("/graphql", json={"query": "{ productLines { code } }"})
        health = await client.get("/healthz")
    assert response.status_code == 401
    assert health.status_code == 200


@pytest.mark.parametrize("production", [False, True])
async def test_graphiql_only_outside_production(pool: asyncpg.Pool, production: bool) -> None:
    app = create_app(Settings(production=production), pool=pool)
    async with running(app) as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    served_ide = response.status_code == 200 and "graphiql" in response.text.lower()
    assert served_ide is not production


async def test_lifespan_migrates_and_closes_its_own_pool(make_database: MakeDatabase) -> None:
    url = await make_database("empty")
    app = create_app(Settings(database_url=Secret(url), pool_min_size=1, pool_max_size=2))
    async with running(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        own_pool: asyncpg.Pool = app.state.pool
    assert own_pool.is_closing()
    conn = await asyncpg.connect(url)
    try:
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
    finally:
        await conn.close()
    assert [r["version"] for r in versions] == [m.version for m in discover()]


async def test_a_given_pool_stays_open(pool: asyncpg.Pool) -> None:
    async with running(create_app(Settings(), pool=pool)) as client:
        await client.get("/healthz")
    assert not pool.is_closing()
    assert await pool.fetchval("SELECT 1") == 1


async def test_no_database_url_and_no_pool_is_a_clear_error() -> None:
    app = create_app(Settings(database_url=None))
    with pytest.raises(RuntimeError, match="DATABASE_URL is not set"):
        async with running(app):
            pass


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free port in this event loop; yield host:port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), "uvicorn stopped during startup"
            await asyncio.sleep(0.01)
        host, port = sock.getsockname()[:2]
        yield f"{host}:{port}"
    finally:
        server.should_exit = True
        await task


async def test_graphql_websocket_speaks_graphql_transport_ws(seeded_pool: asyncpg.Pool) -> None:
    async with (
        served(create_app(DEMO, pool=seeded_pool)) as address,
        connect(
            f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws,
    ):
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        query = "{ territories { code } }"
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": query}}))
        message = json.loads(await ws.recv())
    assert (message["type"], message["id"]) == ("next", "1")
    assert len(message["payload"]["data"]["territories"]) == SEEDED_CHANNEL["territories"]


async def test_in_process_worker_runs_with_the_app_and_stops_with_it(pool: asyncpg.Pool) -> None:
    app = create_app(Settings(), pool=pool, worker=True)
    async with running(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        worker = app.state.worker
        assert worker is not None
        assert not worker.task.done()
    assert worker.task.done()


async def test_worker_can_be_left_out(pool: asyncpg.Pool) -> None:
    app = create_app(Settings(), pool=pool, worker=False)
    async with running(app):
        assert app.state.worker is None
