"""Benchmark server: the real GraphQL app and a minimal raw asyncpg JSON endpoint, side by side.

Run by bench/api.py under uvicorn (``bench.api_server:make_app --factory``) with the database URL
in ``ALLOT_BENCH_DSN``. Both share one process and one pool, so the comparison is the GraphQL
layer against hand-written SQL + JSON for the same two pages:

- ``/raw/accounts``: 50 accounts by total whitespace with territory, incumbent and wallets;
- ``/raw/partners``: 50 partners by name with territories and competencies.

The raw handlers are what a careful hand-written endpoint does: one connection, the page query,
then one ``= any($1)`` lookup per related table, and a dict built in Python.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from db.pool import create_pool
from db.principal import Principal, Role
from schema.app import create_graphql_app
from schema.security.authentication import PRINCIPAL_SCOPE_KEY

PAGE = 50

ACCOUNTS = """
SELECT id, name, total_whitespace, territory_id, incumbent_partner_id
  FROM accounts ORDER BY total_whitespace DESC, id DESC LIMIT $1
"""
TERRITORIES = "SELECT id, code, name FROM territories WHERE id = any($1::bigint[])"
PARTNERS_BY_ID = "SELECT id, name, tier FROM partners WHERE id = any($1::bigint[])"
WALLETS = """
SELECT w.account_id, l.code, w.wallet_cents, w.spend_cents, w.whitespace_cents
  FROM account_wallets w JOIN product_lines l ON l.id = w.product_line_id
 WHERE w.account_id = any($1::bigint[]) ORDER BY w.account_id, w.product_line_id
"""
PARTNERS = """
SELECT id, name, track, tier, capacity FROM partners ORDER BY lower(name), id LIMIT $1
"""
PARTNER_TERRITORIES = """
SELECT pt.partner_id, t.id, t.code, t.name
  FROM partner_territories pt JOIN territories t ON t.id = pt.territory_id
 WHERE pt.partner_id = any($1::bigint[]) ORDER BY pt.partner_id, t.code
"""
COMPETENCIES = """
SELECT c.partner_id, l.code, c.attach_rate
  FROM partner_competencies c JOIN product_lines l ON l.id = c.product_line_id
 WHERE c.partner_id = any($1::bigint[]) ORDER BY c.partner_id, c.product_line_id
"""


async def raw_accounts(request: Request) -> Response:
    """The accounts page as plain JSON (money as strings, like the GraphQL Cents scalar)."""
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        rows = await conn.fetch(ACCOUNTS, PAGE + 1)
        page = rows[:PAGE]
        territory_ids = list({r["territory_id"] for r in page})
        partner_ids = list({r["incumbent_partner_id"] for r in page} - {None})
        territories = {r["id"]: dict(r) for r in await conn.fetch(TERRITORIES, territory_ids)}
        partners = {r["id"]: dict(r) for r in await conn.fetch(PARTNERS_BY_ID, partner_ids)}
        wallets: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for w in await conn.fetch(WALLETS, [r["id"] for r in page]):
            wallets[w["account_id"]].append(
                {
                    "productLine": {"code": w["code"]},
                    "walletCents": str(w["wallet_cents"]),
                    "spendCents": str(w["spend_cents"]),
                    "whitespaceCents": str(w["whitespace_cents"]),
                }
            )
    items = [
        {
            "id": r["id"],
            "name": r["name"],
            "totalWhitespaceCents": str(r["total_whitespace"]),
            "territory": territories[r["territory_id"]],
            "incumbentPartner": partners.get(r["incumbent_partner_id"]),
            "wallets": wallets[r["id"]],
        }
        for r in page
    ]
    return JSONResponse({"accounts": items, "hasNextPage": len(rows) > PAGE})


async def raw_partners(request: Request) -> Response:
    """The partners page as plain JSON."""
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        rows = await conn.fetch(PARTNERS, PAGE + 1)
        page = rows[:PAGE]
        ids = [r["id"] for r in page]
        territories: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for t in await conn.fetch(PARTNER_TERRITORIES, ids):
            territories[t["partner_id"]].append(
                {"id": t["id"], "code": t["code"], "name": t["name"]}
            )
        competencies: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in await conn.fetch(COMPETENCIES, ids):
            competencies[c["partner_id"]].append(
                {"attachRate": float(c["attach_rate"]), "productLine": {"code": c["code"]}}
            )
    items = [
        dict(r) | {"territories": territories[r["id"]], "competencies": competencies[r["id"]]}
        for r in page
    ]
    return JSONResponse({"partners": items, "hasNextPage": len(rows) > PAGE})


async def ready(request: Request) -> Response:
    """Answer once the pool is up."""
    return PlainTextResponse("ok")


BENCH_PRINCIPAL = Principal(subject="bench", role=Role.PLANNER)
"""Who the benchmark's requests are: what api/guard.py leaves in the scope once a bearer token
is verified (token verification itself is not measured; the raw endpoint has none either)."""


class _GraphQL:
    """ASGI shim: the GraphQL app is made in the lifespan, once the pool exists; requests carry
    an authenticated principal as the api layer's guard would have set it."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, PRINCIPAL_SCOPE_KEY: BENCH_PRINCIPAL}, receive, send)


def make_app() -> Starlette:
    """The benchmark server (uvicorn factory)."""
    dsn = os.environ["ALLOT_BENCH_DSN"]
    graphql = _GraphQL()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(dsn, min_size=4, max_size=10)
        app.state.pool = pool
        graphql.app = create_graphql_app(pool, production=True)
        yield
        await pool.close()

    routes = [
        Route("/graphql", graphql, methods=["POST"]),
        Route("/raw/accounts", raw_accounts),
        Route("/raw/partners", raw_partners),
        Route("/ready", ready),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
