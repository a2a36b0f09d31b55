"""The ASGI GraphQL app over HTTP: per-request context, GraphiQL and introspection by mode."""

from __future__ import annotations

import json

import asyncpg
import httpx

from schema.app import create_graphql_app
from tests.auth_helpers import with_principal


async def post(pool: asyncpg.Pool, production: bool, query: str) -> httpx.Response:
    app = with_principal(create_graphql_app(pool, production=production))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/", json={"query": query})


async def test_queries_over_http(seeded_pool: asyncpg.Pool) -> None:
    response = await post(seeded_pool, False, "{ accounts(first: 2) { totalCount } }")
    assert response.status_code == 200
    assert response.json() == {"data": {"accounts": {"totalCount": 300}}}


async def test_production_turns_off_introspection_and_graphiql(pool: asyncpg.Pool) -> None:
    introspect = "{ __schema { types { name } } }"
    assert "errors" not in (await post(pool, False, introspect)).json()
    body = (await post(pool, True, introspect)).json()
    assert "introspection" in body["errors"][0]["message"].lower()
    for production, expected in [(False, 200), (True, 404)]:
        app = create_graphql_app(pool, production=production)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            page = await client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == expected


def test_responses_are_encoded_as_json_text(pool: asyncpg.Pool) -> None:
    """orjson for speed, text for the WebSocket transport, stdlib for what orjson refuses."""
    app = create_graphql_app(pool, production=True)
    data = {"data": {"name": "Zürich Nord \u2013 Süd", "n": 3, "rate": 0.25, "none": None}}
    encoded = app.encode_json(data)
    assert isinstance(encoded, str)
    assert json.loads(encoded) == data
    huge = {"data": {"arguments": {"n": 2**70}}}  # a JSON scalar may hold any integer
    assert json.loads(app.encode_json(huge)) == huge
