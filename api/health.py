"""Health endpoints: `/healthz` says the process is up, `/readyz` that the database answers."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> JSONResponse:
    """Liveness: 200 as long as the process serves requests; touches nothing else."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when `SELECT 1` succeeds on the pool within 2 s, else 503."""
    pool: asyncpg.Pool = request.app.state.pool
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
