"""Fixtures: the tiny channel in a fresh database, and two hand-written results on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.pool import connect
from tests.db.results.tiny import (
    RESULT_A,
    RESULT_B,
    UNASSIGNED_A,
    UNASSIGNED_B,
    Tiny,
    add_result,
    make_tiny,
)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh migrated database."""
    c = await connect(database_url)
    yield c
    await c.close()


@pytest.fixture
async def tiny(conn: asyncpg.Connection) -> Tiny:
    """The tiny channel of tests/db/results/tiny.py."""
    return await make_tiny(conn)


@pytest.fixture
async def result_a(conn: asyncpg.Connection, tiny: Tiny) -> int:
    """Scenario id of result A (SOLVED, OPTIMAL)."""
    return await add_result(conn, tiny, RESULT_A, UNASSIGNED_A, name="A")


@pytest.fixture
async def result_b(conn: asyncpg.Connection, tiny: Tiny) -> int:
    """Scenario id of result B (SOLVED, FEASIBLE)."""
    return await add_result(conn, tiny, RESULT_B, UNASSIGNED_B, solver_status="FEASIBLE", name="B")
