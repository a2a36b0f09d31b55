"""Time reading, comparing, publishing and repairing results of 50,000-account scenarios.

    .venv/bin/python -m bench.results [--accounts 50000] [--server postgresql://...]

Seeds a synthetic channel into a throw-away database, then writes two results with SQL (each
UNNAMED account gets one of its territory's partners, chosen by a hash, about 10% left
unassigned; the two results differ in the hash so that many accounts move), and times the
results feature on them: KPIs, comparison, first pages, CSV rows, publish (fresh and
superseding) and a repair of 1% declined offers. The solver is not involved (bench/scenarios.py
times the solve pipeline). `--server` defaults to TEST_DATABASE_URL, else embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any

import asyncpg

from bench.common import table
from db.dsn import with_database
from db.migrate import migrate
from db.pool import connect
from db.publish import publish
from db.repair import repair
from db.results import assignments, compare, export, kpis
from db.results.models import AssignmentFilter, AssignmentOrder
from db.seed import seed
from solver.synthetic import generate_channel

# One result: a partner of the account's territory picked by hash(salt, account); 10% of the
# accounts (by another hash) left unassigned; revenue a hash of the pair, in cents.
RESULT = """
WITH scenario AS (
    INSERT INTO scenarios (name, status, created_by, solver_status)
    VALUES ($1, 'SOLVED', 'bench', 'FEASIBLE') RETURNING id
), candidates AS (
    SELECT a.id AS account_id, pt.partner_id,
           row_number() OVER (PARTITION BY a.id
                              ORDER BY hashtext($2 || a.id || ':' || pt.partner_id)) AS rank,
           abs(hashtext(a.id::text || 'u')) % 10 = 0 AS left_out
      FROM accounts a JOIN partner_territories pt ON pt.territory_id = a.territory_id
     WHERE a.coverage = 'UNNAMED'
), chosen AS (
    INSERT INTO scenario_assignments (scenario_id, account_id, partner_id, expected_revenue_cents,
                                      next_best_partner_id, regret_cents)
    SELECT s.id, c.account_id, c.partner_id, abs(hashtext($2 || c.account_id)) % 1000000,
           NULL, 0
      FROM candidates c CROSS JOIN scenario s WHERE c.rank = 1 AND NOT c.left_out
), unassigned AS (
    INSERT INTO scenario_unassigned (scenario_id, account_id, reason)
    SELECT s.id, a.id, 'CAPACITY' FROM accounts a CROSS JOIN scenario s
     WHERE a.coverage = 'UNNAMED' AND (abs(hashtext(a.id::text || 'u')) % 10 = 0
        OR NOT EXISTS (SELECT 1 FROM partner_territories pt WHERE pt.territory_id = a.territory_id))
)
SELECT id FROM scenario
"""
LOADS = """
INSERT INTO scenario_partner_loads (scenario_id, partner_id, load, capacity, shadow_price)
SELECT $1, p.id, coalesce(sum(a.workload), 0), p.capacity, 0
  FROM partners p
  LEFT JOIN scenario_assignments sa ON sa.partner_id = p.id AND sa.scenario_id = $1
  LEFT JOIN accounts a ON a.id = sa.account_id
 GROUP BY p.id
"""


async def _timed(label: str, rows: list[list[str]], work: Callable[[], Awaitable[Any]]) -> Any:
    started = time.perf_counter()
    value = await work()
    rows.append([label, f"{1000 * (time.perf_counter() - started):,.0f}"])
    return value


async def _run(url: str) -> tuple[list[list[str]], dict[str, int]]:
    conn = await connect(url)
    rows: list[list[str]] = []
    try:
        x = await conn.fetchval(RESULT, "X", "x")
        await conn.execute(LOADS, x)
        y = await conn.fetchval(RESULT, "Y", "y")
        await conn.execute(LOADS, y)
        await conn.execute("ANALYZE")
        k = await _timed("kpis (headline + breakdowns)", rows, lambda: kpis.kpis(conn, x))
        c = await _timed(
            "compare (kpis of both + move count)", rows, lambda: compare.compare(conn, x, y)
        )
        await _timed(
            "moves, first page of 100", rows, lambda: compare.moves_page(conn, x, y, None, 100)
        )
        f = AssignmentFilter()
        desc = AssignmentOrder.EXPECTED_REVENUE_DESC
        await _timed(
            "assignments, first page of 100",
            rows,
            lambda: assignments.page(conn, x, f, desc, None, 100),
        )
        f_t = AssignmentFilter(territory_id=await conn.fetchval("SELECT min(id) FROM territories"))
        await _timed(
            "assignments by territory, page of 100",
            rows,
            lambda: assignments.page(conn, x, f_t, desc, None, 100),
        )
        await _timed("assignments totalCount", rows, lambda: assignments.count(conn, x, f))

        async def all_rows() -> int:
            return sum([1 async for _ in export.rows(conn, x)])

        exported = await _timed("CSV rows, all (server-side cursor)", rows, all_rows)
        p1 = await _timed("publish X (empty live table)", rows, lambda: publish(conn, x))
        p2 = await _timed("publish Y (supersedes X)", rows, lambda: publish(conn, y))
        declined = await conn.fetchval(
            "WITH d AS (UPDATE assignments SET offer_status = 'DECLINED' "
            "WHERE abs(hashtext(account_id::text || 'd')) % 100 = 0 RETURNING 1) "
            "SELECT count(*) FROM d"
        )
        r = await _timed(
            "repair of 1% declined (build + queue)", rows, lambda: repair(conn, y, "bench")
        )
        sizes = {
            "assigned": k.assigned_accounts,
            "scope": k.scope_accounts,
            "moved": c.moved_accounts,
            "exported": exported,
            "offered_x": p1.offered,
            "superseded_y": p2.superseded,
            "declined": declined,
            "repair_scope": len(r.parameters.scope.account_ids),
        }
        return rows, sizes
    finally:
        await conn.close()


async def _once(server: str, args: argparse.Namespace) -> tuple[list[list[str]], dict[str, int]]:
    name = f"allot_bench_results_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(server, name)
        await migrate(url)
        channel = generate_channel(
            seed=0,
            accounts=args.accounts,
            partners=args.partners,
            territories=args.territories,
            specialists=args.specialists,
        )
        conn = await connect(url)
        try:
            await seed(conn, channel)
        finally:
            await conn.close()
        return await _run(url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    """Parse arguments, pick the server, run and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--territories", type=int, default=40)
    parser.add_argument("--specialists", type=int, default=200)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    with ExitStack() as stack:
        server = args.server
        if not server:
            from tests.pgtools import postgres_server

            server = stack.enter_context(postgres_server(tune=False))
        rows, sizes = asyncio.run(_once(server, args))
    kind = "embedded PostgreSQL" if not args.server else "server " + args.server
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; database: {kind}")
    print(f"channel: {args.accounts} accounts, {args.partners} partners; sizes: {sizes}")
    print(table(rows, ["operation", "ms"]))


if __name__ == "__main__":
    main()
