"""No N+1: the SQL statements behind a page do not grow with the page size (DataLoaders batch).

Statements are counted with asyncpg's query logger on the connection of a dedicated one-connection
pool (a larger pool would count the same statements, spread over connections).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.pool import create_pool
from tests.schema.conftest import Run, make_runner, ok

ACCOUNTS = """query ($first: Int!) { accounts(first: $first) { edges { node {
  name totalWhitespaceCents
  territory { code name }
  incumbentPartner { name tier }
  wallets { walletCents whitespaceCents productLine { code } } } } } }"""
PARTNERS = """query ($first: Int!) { partners(first: $first) { edges { node {
  name tier
  territories { code }
  competencies { attachRate productLine { code } } } } } }"""

EXTRA_PARTNERS = """
WITH new AS (
    INSERT INTO partners (name, track, tier, capacity)
    SELECT 'Extra Partner ' || g, 'VALUE', 'GOLD', 100 FROM generate_series(1, 45) g
    RETURNING id
), served AS (
    INSERT INTO partner_territories (partner_id, territory_id)
    SELECT new.id, t.id FROM new CROSS JOIN (SELECT id FROM territories LIMIT 2) t
)
INSERT INTO partner_competencies (partner_id, product_line_id, attach_rate)
SELECT new.id, l.id, 0.3 FROM new CROSS JOIN (SELECT id FROM product_lines LIMIT 3) l
"""


class StatementCounter:
    """Counts the statements run on any connection of the pool it is attached to."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def log(self, record: Any) -> None:
        # the pool's own reset on release ("SELECT pg_advisory_unlock_all(); ... RESET ALL;")
        # is not a statement of ours
        if not record.query.startswith("SELECT pg_advisory_unlock_all()"):
            self.statements.append(record.query)

    async def attach(self, conn: Any) -> None:
        conn.add_query_logger(self.log)  # a set: adding on every acquire is harmless

    async def count(self, run: Run, query: str, **variables: Any) -> int:
        self.statements.clear()
        ok(await run(query, **variables))
        await asyncio.sleep(0)  # loggers are called soon after each query
        return len(self.statements)


@pytest.fixture
async def counted(seeded_database_url: str) -> AsyncIterator[tuple[StatementCounter, Run]]:
    counter = StatementCounter()
    pool: asyncpg.Pool = await create_pool(
        seeded_database_url, min_size=1, max_size=1, setup=counter.attach
    )
    await pool.execute(EXTRA_PARTNERS)
    run = make_runner(pool)
    # asyncpg introspects a type the first time a connection meets it (its own statements):
    # warm the single connection up so that only our statements are counted
    ok(await run(ACCOUNTS, first=1))
    ok(await run(PARTNERS, first=1))
    yield counter, run
    await pool.close()


async def test_accounts_page_statements_do_not_grow(
    counted: tuple[StatementCounter, Run],
) -> None:
    counter, run = counted
    small = await counter.count(run, ACCOUNTS, first=10)
    large = await counter.count(run, ACCOUNTS, first=50)
    # page, territories, incumbent partners, wallets with their product lines (a join)
    assert small == large == 4, counter.statements


async def test_partners_page_statements_do_not_grow(
    counted: tuple[StatementCounter, Run],
) -> None:
    counter, run = counted
    small = await counter.count(run, PARTNERS, first=10)
    large = await counter.count(run, PARTNERS, first=50)
    # page, territories per partner, competencies with their product lines (a join)
    assert small == large == 3, counter.statements
    size = ok(await run("{ partners(first: 100) { totalCount } }"))["partners"]["totalCount"]
    assert size >= 50


TERRITORIES = """{ territories { code
  accounts(first: 3) { totalCount edges { node { name wallets { walletCents } } } }
  partners(first: 2) { totalCount edges { node { name competencies { attachRate } } } }
  specialists(first: 2) { totalCount edges { node { name } } } } }"""


async def test_nested_territory_connections_are_batched(
    counted: tuple[StatementCounter, Run],
) -> None:
    counter, run = counted
    count = await counter.count(run, TERRITORIES)
    # territories 1; accounts page + count + wallets with lines 3; partners page + count
    # + competencies with lines 3; specialists page + count 2 = 9, whatever the number of
    # territories (6 here: one query per territory would be 30+)
    assert count == 9, counter.statements


async def test_specialists_page_statements_do_not_grow(
    counted: tuple[StatementCounter, Run],
) -> None:
    counter, run = counted
    query = """query ($first: Int!) { specialists(first: $first) { edges { node {
      name territory { code } productLine { code } } } } }"""
    small = await counter.count(run, query, first=2)
    large = await counter.count(run, query, first=10)
    # page, territories, product lines: one statement each
    assert small == large == 3, counter.statements


async def test_fragments_are_batched_too(counted: tuple[StatementCounter, Run]) -> None:
    counter, run = counted
    query = """query ($first: Int!) { accounts(first: $first) { edges { ...Edge } } }
      fragment Edge on AccountEdge { node { ... on Account { territory { code } }
        ...Money } }
      fragment Money on Account { wallets { whitespaceCents productLine { code } } }"""
    small = await counter.count(run, query, first=10)
    large = await counter.count(run, query, first=50)
    # page, territories, wallets with their product lines
    assert small == large == 3, counter.statements
