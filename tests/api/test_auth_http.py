"""Authentication over real HTTP and WebSocket: 401 without or with a bad token, health open,
the GraphiQL page, demo anonymity, CORS, and WebSocket connection_init (4403)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from api.app import create_app
from api.auth_settings import AuthSettings
from api.settings import Settings
from db.principal import Role
from tests.auth_helpers import TEST_AUTH, bearer, claims, raw_token, token_for

QUERY = {"query": "{ productLines { code } }"}
PROTOCOL = [Subprotocol("graphql-transport-ws")]


def make_app(pool: asyncpg.Pool, auth: AuthSettings = TEST_AUTH) -> Starlette:
    """The real service app with these security settings."""
    return create_app(Settings(auth=auth), pool=pool)


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this loop; yield host:port."""
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


@pytest.fixture
async def address(seeded_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A running app (TEST_AUTH, origin https://portal.example allowed) on the seeded channel."""
    auth = replace(TEST_AUTH, allowed_origins=("https://portal.example",))
    async with served(make_app(seeded_pool, auth)) as where:
        yield where


async def test_graphql_without_a_token_is_401_and_health_stays_open(
    address: str,
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        post = await client.post("/graphql", json=QUERY)
        get = await client.get("/graphql", params=QUERY)
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    for response in (post, get):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="allot"'
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["message"].startswith("Authentication required")
    assert (health.status_code, ready.status_code) == (200, 200)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (raw_token(claims(exp=1, iat=0)), "Token expired (exp is in the past)"),
        (
            raw_token(claims(), key="not-the-secret-but-long-enough-0123456789"),
            "signature",
        ),
        ("not.a.token", "Malformed token"),
        ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Unsigned tokens (alg none)"),
    ],
)
async def test_a_bad_token_is_401_with_the_reason(address: str, token: str, message: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post("/graphql", json=QUERY, headers=bearer(token))
        health = await client.get("/healthz", headers=bearer(token))
    assert response.status_code == 401
    assert message in response.json()["errors"][0]["message"]
    assert health.status_code == 200  # health ignores tokens


async def test_a_valid_token_gets_data(address: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post("/graphql", json=QUERY, headers=bearer(token_for("VIEWER")))
    assert response.status_code == 200
    assert len(response.json()["data"]["productLines"]) == 8


async def test_the_principal_reaches_the_resolvers(address: str, seeded_pool: asyncpg.Pool) -> None:
    mutation = (
        'mutation Add { createPartner(input: {name: "Via HTTP", track: VALUE, tier: GOLD, '
        "capacity: 5}) { __typename } }"
    )
    token = token_for("PLANNER", subject="planner-over-http")
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post("/graphql", json={"query": mutation}, headers=bearer(token))
    assert response.status_code == 200, response.text
    row = await seeded_pool.fetchrow("SELECT subject, role, operation_name FROM audit_log")
    assert row is not None
    assert tuple(row.values()) == ("planner-over-http", "PLANNER", "Add")


async def test_the_graphiql_page_needs_no_token(address: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_demo_anonymous_role(seeded_pool: asyncpg.Pool) -> None:
    auth = replace(TEST_AUTH, demo_anonymous_role=Role.ADMIN)
    async with (
        served(make_app(seeded_pool, auth)) as where,
        httpx.AsyncClient(base_url=f"http://{where}") as client,
    ):
        anonymous = await client.post("/graphql", json=QUERY)
        bad = await client.post("/graphql", json=QUERY, headers=bearer("garbage"))
    assert anonymous.status_code == 200
    assert anonymous.json()["data"]["productLines"]
    assert bad.status_code == 401  # a bad token is never downgraded to anonymous


async def test_cors_for_allowed_origins_only(address: str) -> None:
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        allowed = await client.options(
            "/graphql", headers={**preflight, "origin": "https://portal.example"}
        )
        other = await client.options(
            "/graphql", headers={**preflight, "origin": "https://evil.example"}
        )
        simple = await client.post(
            "/graphql",
            json=QUERY,
            headers={**bearer(token_for("VIEWER")), "origin": "https://portal.example"},
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert simple.headers["access-control-allow-origin"] == "https://portal.example"


# --- WebSocket ---------------------------------------------------------------------------


async def _init(ws: ClientConnection, payload: dict[str, object] | None) -> dict[str, object]:
    message: dict[str, object] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    reply: dict[str, object] = json.loads(await ws.recv())
    return reply


async def _closed_with(address: str, payload: dict[str, object] | None, **kw: object) -> int:
    async with connect(f"ws://{address}/graphql", subprotocols=PROTOCOL, **kw) as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed) as closed:
            await _init(ws, payload)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"authorization": "Bearer garbage"},
        {"authorization": f"Basic {token_for('ADMIN')}"},
        {"token": raw_token(claims(exp=1, iat=0))},
    ],
)
async def test_websocket_with_a_missing_or_bad_token_closes_4403(
    address: str, payload: dict[str, object] | None
) -> None:
    assert await _closed_with(address, payload) == 4403


async def test_websocket_with_a_bad_header_token_closes_4403(address: str) -> None:
    headers = bearer("garbage")
    code = await _closed_with(address, {"token": token_for("ADMIN")}, additional_headers=headers)
    assert code == 4403  # a bad header is not rescued by a good payload


@pytest.mark.parametrize("key", ["authorization", "token"])
async def test_websocket_with_a_valid_token_is_served(address: str, key: str) -> None:
    token = token_for("VIEWER")
    payload = {key: f"Bearer {token}" if key == "authorization" else token}
    async with connect(f"ws://{address}/graphql", subprotocols=PROTOCOL) as ws:
        assert await _init(ws, payload) == {"type": "connection_ack"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": QUERY}))
        message = json.loads(await ws.recv())
    assert message["type"] == "next"
    assert len(message["payload"]["data"]["productLines"]) == 8


async def test_websocket_demo_anonymous(seeded_pool: asyncpg.Pool) -> None:
    auth = replace(TEST_AUTH, demo_anonymous_role=Role.VIEWER)
    async with (
        served(make_app(seeded_pool, auth)) as where,
        connect(f"ws://{where}/graphql", subprotocols=PROTOCOL) as ws,
    ):
        assert await _init(ws, None) == {"type": "connection_ack"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": QUERY}))
        message = json.loads(await ws.recv())
    assert message["type"] == "next"
    assert len(message["payload"]["data"]["productLines"]) == 8


async def test_websocket_token_wins_over_demo_anonymity(seeded_pool: asyncpg.Pool) -> None:
    auth = replace(TEST_AUTH, demo_anonymous_role=Role.ADMIN)
    audit = {"query": "{ auditLog { totalCount } }"}  # ADMIN only
    async with served(make_app(seeded_pool, auth)) as where:
        async with connect(f"ws://{where}/graphql", subprotocols=PROTOCOL) as ws:
            assert await _init(ws, {"token": token_for("VIEWER")}) == {"type": "connection_ack"}
            await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": audit}))
            as_viewer = json.loads(await ws.recv())
        async with connect(f"ws://{where}/graphql", subprotocols=PROTOCOL) as ws:
            assert await _init(ws, None) == {"type": "connection_ack"}
            await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": audit}))
            as_anonymous = json.loads(await ws.recv())
        assert await _closed_with(where, {"token": "garbage"}) == 4403
    assert as_viewer["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_anonymous["payload"]["data"]["auditLog"]["totalCount"] == 0


async def test_websocket_origins(address: str) -> None:
    allowed = {"origin": "https://portal.example"}
    async with connect(
        f"ws://{address}/graphql", subprotocols=PROTOCOL, additional_headers=allowed
    ) as ws:
        assert await _init(ws, {"token": token_for("VIEWER")}) == {"type": "connection_ack"}
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"ws://{address}/graphql",
            subprotocols=PROTOCOL,
            additional_headers={"origin": "https://evil.example"},
        ):
            pass
    assert refused.value.response.status_code == 403
