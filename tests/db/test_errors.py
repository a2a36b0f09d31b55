"""Integrity errors from PostgreSQL become domain errors naming the field (db.errors.translate)."""

from __future__ import annotations

import asyncpg
import pytest

from db.errors import Conflict, Invalid, translate


async def error_of(pool: asyncpg.Pool, sql: str, *args: object) -> asyncpg.PostgresError:
    with pytest.raises(asyncpg.PostgresError) as caught:
        await pool.execute(sql, *args)
    return caught.value


async def test_check_violation_names_the_column(pool: asyncpg.Pool) -> None:
    error = await error_of(
        pool,
        "INSERT INTO partners (name, track, tier, capacity) VALUES ('P', 'VALUE', 'GOLD', -1)",
    )
    mapped = translate(error)
    assert isinstance(mapped, Invalid)
    assert (mapped.field, mapped.rule) == ("capacity", "check")


async def test_unique_violation_is_a_conflict_on_the_field(pool: asyncpg.Pool) -> None:
    insert = "INSERT INTO partners (name, track, tier, capacity) VALUES ($1, 'VALUE', 'GOLD', 1)"
    await pool.execute(insert, "Acme")
    mapped = translate(await error_of(pool, insert, "ACME"))
    assert isinstance(mapped, Conflict)
    assert mapped.field == "name"


async def test_foreign_key_violation_is_invalid_exists(pool: asyncpg.Pool) -> None:
    error = await error_of(
        pool,
        "INSERT INTO accounts (external_ref, name, territory_id, segment, workload, coverage)"
        " VALUES ('X', 'X', 12345, 'SMB', 1, 'NAMED')",
    )
    mapped = translate(error)
    assert isinstance(mapped, Invalid)
    assert (mapped.field, mapped.rule) == ("territory_id", "exists")


async def test_other_errors_are_not_translated(pool: asyncpg.Pool) -> None:
    assert translate(await error_of(pool, "SELECT 1/0")) is None
