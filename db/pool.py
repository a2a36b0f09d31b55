"""The asyncpg connection pool: one per process, made at start-up, with the codecs set once."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection as code receives it: opened directly, or borrowed from a pool.
AnyConnection = asyncpg.Connection | PoolConnectionProxy

DEFAULT_MIN_SIZE = 2
DEFAULT_MAX_SIZE = 10


async def init_connection(conn: asyncpg.Connection) -> None:
    """Set the codecs every connection needs: json and jsonb as Python values, not strings."""
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, schema="pg_catalog", encoder=json.dumps, decoder=json.loads
        )


async def create_pool(
    dsn: str,
    *,
    min_size: int = DEFAULT_MIN_SIZE,
    max_size: int = DEFAULT_MAX_SIZE,
    application_name: str = "allot",
    **kwargs: Any,
) -> asyncpg.Pool:
    """Open a pool on `dsn` whose connections decode json/jsonb and name themselves in pg_stat.

    Extra keyword arguments go to `asyncpg.create_pool` (e.g. `command_timeout`).
    """
    server_settings = {"application_name": application_name, **kwargs.pop("server_settings", {})}
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings=server_settings,
        **kwargs,
    )
    assert pool is not None  # create_pool only returns None when awaited without init
    return pool


async def connect(dsn: str, **kwargs: Any) -> asyncpg.Connection:
    """Open one connection with the same codecs as the pool's (for scripts and listeners)."""
    conn: asyncpg.Connection = await asyncpg.connect(dsn, **kwargs)
    await init_connection(conn)
    return conn
