"""A solved scenario's rows: assignments (keyset pages, filters), unassigned accounts, loads.

Pages follow ``db.repositories._sql``: fetch ``limit + 1`` rows after the cursor's key on an
index, never an OFFSET. Filters on territory, track and tier join the account or partner only
when asked for.
"""

from __future__ import annotations

import asyncpg

from db.repositories._sql import Executor, Key, Page, Where, page_of
from db.results.models import (
    AssignmentFilter,
    AssignmentOrder,
    Load,
    ScenarioAssignment,
    Unassigned,
)

COLUMNS = (
    "sa.scenario_id, sa.account_id, sa.partner_id, sa.specialist_ids,"
    " sa.expected_revenue_cents, sa.next_best_partner_id, sa.regret_cents"
)
ORDERS: dict[AssignmentOrder, tuple[str, str]] = {
    # order -> (ORDER BY, keyset condition after a key)
    AssignmentOrder.EXPECTED_REVENUE_DESC: (
        "ORDER BY sa.expected_revenue_cents DESC, sa.account_id DESC",
        "(sa.expected_revenue_cents, sa.account_id) < ({}, {})",
    ),
    AssignmentOrder.EXPECTED_REVENUE_ASC: (
        "ORDER BY sa.expected_revenue_cents, sa.account_id",
        "(sa.expected_revenue_cents, sa.account_id) > ({}, {})",
    ),
}
KEY_TYPES: tuple[type, ...] = (int, int)
"""Types of an assignment page key: (expected revenue cents, account id)."""

UNASSIGNED_PAGE = """
SELECT account_id, reason, detail FROM scenario_unassigned
 WHERE scenario_id = $1 AND account_id > $2
 ORDER BY account_id LIMIT $3
"""
PARTNER_LOADS = """
SELECT partner_id AS id, load, capacity, shadow_price FROM scenario_partner_loads
 WHERE scenario_id = $1 ORDER BY partner_id
"""
SPECIALIST_LOADS = """
SELECT specialist_id AS id, load::float8 AS load, capacity::float8 AS capacity, shadow_price
  FROM scenario_specialist_loads WHERE scenario_id = $1 ORDER BY specialist_id
"""


def _from_where(scenario_id: int, f: AssignmentFilter) -> tuple[str, Where]:
    """FROM clause (with the joins the filter needs) and the WHERE of a filtered list."""
    joins = ""
    where = Where()
    where.add("sa.scenario_id = {}", scenario_id)
    if f.partner_id is not None:
        where.add("sa.partner_id = {}", f.partner_id)
    if f.territory_id is not None:
        joins += " JOIN accounts a ON a.id = sa.account_id"
        where.add("a.territory_id = {}", f.territory_id)
    if f.track is not None or f.tier is not None:
        joins += " JOIN partners p ON p.id = sa.partner_id"
        if f.track is not None:
            where.add("p.track = {}", f.track.value)
        if f.tier is not None:
            where.add("p.tier = {}", f.tier.value)
    return f"scenario_assignments sa{joins}", where


async def page(
    db: Executor,
    scenario_id: int,
    f: AssignmentFilter,
    order: AssignmentOrder,
    after: Key | None,
    limit: int,
) -> Page[ScenarioAssignment]:
    """A page of a scenario's assignments matching ``f`` in ``order``, after key ``after``."""
    order_by, after_sql = ORDERS[order]
    source, where = _from_where(scenario_id, f)
    if after is not None:
        where.add(after_sql, *after)
    limit_param = where.param(limit + 1)
    sql = f"SELECT {COLUMNS} FROM {source} WHERE {where.sql()} {order_by} LIMIT {limit_param}"
    rows = await db.fetch(sql, *where.args)
    return page_of(
        rows,
        limit,
        ScenarioAssignment.from_row,
        lambda r: (r["expected_revenue_cents"], r["account_id"]),
    )


async def count(db: Executor, scenario_id: int, f: AssignmentFilter) -> int:
    """How many of a scenario's assignments match ``f``."""
    source, where = _from_where(scenario_id, f)
    value = await db.fetchval(f"SELECT count(*) FROM {source} WHERE {where.sql()}", *where.args)
    return int(value)


async def unassigned_page(
    db: Executor, scenario_id: int, after: Key | None, limit: int
) -> Page[Unassigned]:
    """A page of the scenario's unassigned accounts in account id order."""
    start = after[0] if after is not None else 0
    rows = await db.fetch(UNASSIGNED_PAGE, scenario_id, start, limit + 1)
    return page_of(rows, limit, Unassigned.from_row, lambda r: (r["account_id"],))


async def unassigned_count(db: Executor, scenario_id: int) -> int:
    """How many accounts in the scenario's scope are left unassigned."""
    sql = "SELECT count(*) FROM scenario_unassigned WHERE scenario_id = $1"
    return int(await db.fetchval(sql, scenario_id))


def _loads(rows: list[asyncpg.Record]) -> list[Load]:
    return [Load(r["id"], r["load"], r["capacity"], r["shadow_price"]) for r in rows]


async def partner_loads(db: Executor, scenario_id: int) -> list[Load]:
    """Every partner's load, capacity and shadow price in the result, by partner id."""
    return _loads(await db.fetch(PARTNER_LOADS, scenario_id))


async def specialist_loads(db: Executor, scenario_id: int) -> list[Load]:
    """Every specialist's load (accounts), capacity and shadow price, by specialist id."""
    return _loads(await db.fetch(SPECIALIST_LOADS, scenario_id))
