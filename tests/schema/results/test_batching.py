"""No N+1 on a result's assignments: nested account, partner, specialists and next-best partner
are batched, so the statements do not grow with the page size."""

from __future__ import annotations

import asyncpg

from db.pool import create_pool
from schema.common.ids import encode_id
from tests.db.results.tiny import add_result, make_tiny
from tests.schema.conftest import make_runner, ok
from tests.schema.test_n_plus_one import StatementCounter

PAGE = """query ($id: ID!, $first: Int!) { scenario(id: $id) { result {
  assignments(first: $first) { edges { node {
    expectedRevenueCents account { name } partner { name } specialists { name }
    nextBestPartner { name } } } } } } }"""


async def test_assignment_page_statements_do_not_grow(database_url: str) -> None:
    counter = StatementCounter()
    pool: asyncpg.Pool = await create_pool(
        database_url, min_size=1, max_size=1, setup=counter.attach
    )
    try:
        async with pool.acquire() as conn:
            tiny = await make_tiny(conn)
            rows = [(a, "P1", 10 * i, ["S1"]) for i, a in enumerate(tiny.account, start=1)]
            sid = await add_result(conn, tiny, rows)
        run = make_runner(pool)
        gid = encode_id("Scenario", sid)
        ok(await run(PAGE, id=gid, first=1))  # warm up asyncpg's type introspection
        small = await counter.count(run, PAGE, id=gid, first=2)
        large = await counter.count(run, PAGE, id=gid, first=5)
        # scenario, assignment page, accounts, partners (partner and next best together),
        # specialists: one statement each
        assert small == large == 5, counter.statements
    finally:
        await pool.close()
