"""Fixtures: the tiny channel in a fresh database, and two hand-written results on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.pool import connect
from tests.db.results.tiny import Tiny, add_result, make_tiny

# Result A: 4 of 5 accounts assigned, A5 left out for capacity.
RESULT_A = [("A1", "P1", 100), ("A2", "P1", 200, ["S1"]), ("A3", "P2", 300), ("A4", "P3", 400)]
UNASSIGNED_A = [("A5", "CAPACITY")]
# Result B: A1 moves P1 -> P2, A3 drops out, A5 comes in with P3.
RESULT_B = [("A1", "P2", 150), ("A2", "P1", 200), ("A4", "P3", 400), ("A5", "P3", 500)]
UNASSIGNED_B = [("A3", "NOT_WORTH_IT")]


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
