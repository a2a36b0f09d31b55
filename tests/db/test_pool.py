"""The pool: json/jsonb come back as Python values, connections are named, sizes respected."""

from __future__ import annotations

import asyncpg

from db.pool import connect, create_pool


async def test_json_and_jsonb_round_trip_as_python_values(pool: asyncpg.Pool) -> None:
    value = {"pins": [{"account": "A1", "partner": "P1"}], "stickiness": 0.02, "on": True}
    got = await pool.fetchrow("SELECT $1::jsonb AS b, $1::json AS j", value)
    assert got is not None
    assert got["b"] == value
    assert got["j"] == value


async def test_connections_name_themselves_and_pool_sizes_apply(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=3, application_name="allot-test")
    try:
        assert (pool.get_min_size(), pool.get_max_size()) == (1, 3)
        name = await pool.fetchval("SELECT current_setting('application_name')")
        assert name == "allot-test"
    finally:
        await pool.close()


async def test_single_connection_has_the_same_codecs(database_url: str) -> None:
    conn = await connect(database_url)
    try:
        assert await conn.fetchval("SELECT '{\"a\": [1, 2]}'::jsonb") == {"a": [1, 2]}
    finally:
        await conn.close()
