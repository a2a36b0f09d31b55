"""Portal fixtures: the tiny channel of tests/db/results with result A published (live rows:
A1 -> P1, A2 -> P1 with S1, A3 -> P2, A4 -> P3; A5 unassigned), and runners per role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from strawberry.types import ExecutionResult

from db.principal import Role
from db.publish import publish
from schema import schema
from schema.common.ids import encode_id
from tests.auth_helpers import context_for
from tests.db.results.tiny import RESULT_A, UNASSIGNED_A, Tiny, add_result, make_tiny

RunAs = Callable[..., Awaitable[ExecutionResult]]


@dataclass(frozen=True)
class Live:
    """The tiny channel with result A published, and a runner that takes a role."""

    tiny: Tiny
    scenario: int
    pool: asyncpg.Pool

    def gid(self, kind: str, name: str) -> str:
        """Global ID of a tiny entity by its name (``gid("Account", "A1")``)."""
        table = {"Account": self.tiny.account, "Partner": self.tiny.partner}[kind]
        return encode_id(kind, table[name])

    async def run(
        self, role: Role | str, query: str, /, partner: str | None = None, **variables: Any
    ) -> ExecutionResult:
        """Execute ``query`` as ``role`` (and, for PARTNER, partner ``partner``)."""
        partner_id = self.tiny.partner[partner] if partner is not None else None
        return await schema.execute(
            query,
            variable_values=variables or None,
            context_value=context_for(self.pool, role, partner_id),
        )


@pytest.fixture
async def live(pool: asyncpg.Pool) -> Live:
    """Result A published on the tiny channel."""
    async with pool.acquire() as conn:
        tiny = await make_tiny(conn)
        sid = await add_result(conn, tiny, RESULT_A, UNASSIGNED_A, name="A")
        await publish(conn, sid)
    return Live(tiny, sid, pool)


def codes(result: ExecutionResult) -> list[str]:
    """The extension codes of a result's errors."""
    return [str((e.extensions or {}).get("code")) for e in result.errors or []]
