"""Row-level security (migration 0021): under db.rls.as_partner the database shows a partner
only its own partner row, its live assignments and the accounts and wallets behind them, even
when the application's own partner filter is taken out of the queries."""

from __future__ import annotations

import asyncpg
import pytest

from db import portal
from db.pool import AnyConnection
from db.principal import Role
from db.publish import publish
from db.rls import as_partner
from schema import schema
from schema.common.ids import encode_id
from tests.auth_helpers import context_for
from tests.db.results.tiny import RESULT_A, UNASSIGNED_A, Tiny, add_result, make_tiny

# Result A live: A1, A2 -> P1; A3 -> P2; A4 -> P3; A5 unassigned.


@pytest.fixture
async def tiny(pool: asyncpg.Pool) -> Tiny:
    """The tiny channel with result A published."""
    async with pool.acquire() as conn:
        tiny = await make_tiny(conn)
        await publish(conn, await add_result(conn, tiny, RESULT_A, UNASSIGNED_A, name="A"))
    return tiny


async def _ids(pool: asyncpg.Pool, partner_id: int, sql: str) -> list[int]:
    async def read(conn: AnyConnection) -> list[int]:
        return [r[0] for r in await conn.fetch(sql)]

    return await as_partner(pool, partner_id, read)


async def test_unfiltered_reads_see_only_the_partners_rows(pool: asyncpg.Pool, tiny: Tiny) -> None:
    a, p1 = tiny.account, tiny.partner["P1"]
    order = " ORDER BY 1"
    assert await _ids(pool, p1, "SELECT account_id FROM assignments" + order) == [a["A1"], a["A2"]]
    assert await _ids(pool, p1, "SELECT id FROM accounts" + order) == [a["A1"], a["A2"]]
    assert await _ids(pool, p1, "SELECT account_id FROM account_wallets" + order) == [
        a["A1"],
        a["A2"],
    ]
    assert await _ids(pool, p1, "SELECT id FROM partners" + order) == [p1]
    # the service's own role still sees everything, and the setting did not outlive the read
    assert len(await pool.fetch("SELECT 1 FROM assignments")) == 4
    assert await pool.fetchval("SELECT current_setting('app.partner_id', true)") in (None, "")


async def test_role_without_partner_sees_nothing(pool: asyncpg.Pool, tiny: Tiny) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE allot_partner")
        assert await conn.fetch("SELECT * FROM assignments") == []
        assert await conn.fetch("SELECT * FROM accounts") == []


def _without_partner_filter(sql: str) -> str:
    patched = sql.replace("l.partner_id = $1", "$1::bigint IS NOT NULL").replace(
        "WHERE partner_id = $1", "WHERE $1::bigint IS NOT NULL"
    )
    assert patched != sql
    return patched


async def test_rls_blocks_with_the_application_check_disabled(
    pool: asyncpg.Pool, tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PAGE", "COUNT", "MANY", "WHITESPACE", "SPECIALISTS"):
        monkeypatch.setattr(portal, name, _without_partner_filter(getattr(portal, name)))
    p2 = tiny.partner["P2"]
    # without RLS (the service role) the patched query would leak every partner's rows ...
    leaked = await portal.offered_page(pool, p2, first=100, after=None)
    assert len(leaked.items) == 4
    # ... through GraphQL, under RLS, partner P2 still gets only A3
    query = """query ($a1: ID!) {
      myAssignments(first: 100) {
        totalCount edges { node { name whitespace { whitespaceCents } } }
      }
      other: node(id: $a1) { id }
    }"""
    result = await schema.execute(
        query,
        variable_values={"a1": encode_id("Account", tiny.account["A1"])},
        context_value=context_for(pool, Role.PARTNER, p2),
    )
    assert result.errors is None, result.errors
    assert result.data == {
        "myAssignments": {
            "totalCount": 1,
            "edges": [{"node": {"name": "A3", "whitespace": [{"whitespaceCents": "3000"}]}}],
        },
        "other": None,
    }
