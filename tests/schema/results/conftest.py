"""Schema result tests: the tiny channel of tests/db/results with results A and B, run through
the real schema."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import pytest

from schema.common.ids import encode_id
from tests.db.results.tiny import (
    RESULT_A,
    RESULT_B,
    UNASSIGNED_A,
    UNASSIGNED_B,
    Tiny,
    add_result,
    make_tiny,
)
from tests.schema.conftest import Run, make_runner


@dataclass(frozen=True)
class World:
    """The tiny channel, two results (A: OPTIMAL, B: FEASIBLE) and a runner."""

    tiny: Tiny
    a: int
    b: int
    run: Run
    pool: asyncpg.Pool

    def gid(self, kind: str, db_id: int) -> str:
        """A global ID."""
        return encode_id(kind, db_id)


@pytest.fixture
async def world(pool: asyncpg.Pool) -> World:
    """Results A and B on the tiny channel in a fresh database."""
    async with pool.acquire() as conn:
        tiny = await make_tiny(conn)
        a = await add_result(conn, tiny, RESULT_A, UNASSIGNED_A, name="A")
        b = await add_result(conn, tiny, RESULT_B, UNASSIGNED_B, solver_status="FEASIBLE", name="B")
    return World(tiny, a, b, make_runner(pool), pool)
