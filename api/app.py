"""The Starlette application: health endpoints and guarded GraphQL; pool and worker in lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import asyncpg
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql_auth import create_secure_graphql_app
from api.guard import cors_middleware, guard_graphql
from api.health import healthz, readyz
from api.settings import Settings
from api.worker import in_process_enabled, start_in_process
from db.migrate import migrate
from db.pool import create_pool
from db.scenarios.progress import close_listener

log = logging.getLogger(__name__)


class State(TypedDict):
    """Lifespan state, available to endpoints as `request.state`."""

    pool: asyncpg.Pool


class _GraphQLSlot:
    """ASGI app that forwards to the GraphQL app, which needs the pool and so is built in
    lifespan after the routes exist."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1013})  # try again later
                return
            response = JSONResponse({"errors": [{"message": "GraphQL is not ready"}]}, 503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(
    settings: Settings, *, pool: asyncpg.Pool | None = None, worker: bool | None = None
) -> Starlette:
    """Build the service. Lifespan opens a pool on `settings.database_url` (unless `pool` is
    given: then the caller owns it), applies pending migrations, mounts GraphQL behind the
    bearer-token guard (`settings.auth`) and starts an in-process solve worker (`worker`;
    default: ALLOT_INPROCESS_WORKER, on unless 0)."""
    graphql = _GraphQLSlot()
    run_worker = in_process_enabled() if worker is None else worker

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        own_pool = pool is None
        if pool is not None:
            active = pool
        else:
            if settings.database_url is None:
                raise RuntimeError("DATABASE_URL is not set and no pool was given")
            log.info("connecting to %s", settings.database_url)
            active = await create_pool(
                settings.database_url.reveal(),
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
            )
        try:
            applied = await migrate(active)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
            graphql.app = guard_graphql(
                create_secure_graphql_app(
                    active, production=settings.production, settings=settings.auth
                ),
                settings.auth,
            )
            app.state.pool = active
            solver = start_in_process(active) if run_worker else None
            app.state.worker = solver
            try:
                yield {"pool": active}
            finally:
                if solver is not None:
                    await solver.stop()
                await close_listener(active)  # solveProgress's LISTEN connection
        finally:
            graphql.app = None
            if own_pool:
                await active.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
    return Starlette(routes=routes, middleware=cors_middleware(settings.auth), lifespan=lifespan)
