"""Territories: listed whole, fetched by id in batches, and per partner (partner_territories)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from db.models import Territory
from db.repositories._sql import Executor, grouped, in_key_order

COLUMNS = "t.id, t.code, t.name, t.region"
LIST_ALL = f"SELECT {COLUMNS} FROM territories t ORDER BY t.code"
BY_IDS = f"SELECT {COLUMNS} FROM territories t WHERE t.id = any($1::bigint[])"
BY_PARTNERS = f"""
SELECT pt.partner_id, {COLUMNS}
  FROM partner_territories pt
  JOIN territories t ON t.id = pt.territory_id
 WHERE pt.partner_id = any($1::bigint[])
 ORDER BY pt.partner_id, t.code
"""
EXISTING = "SELECT id FROM territories WHERE id = any($1::bigint[])"


async def list_all(pool: asyncpg.Pool) -> list[Territory]:
    """Every territory, by code (tens to a few hundred rows: not paged)."""
    return [Territory.from_row(r) for r in await pool.fetch(LIST_ALL)]


async def get_many(pool: Executor, ids: Sequence[int]) -> list[Territory | None]:
    """Territories for ``ids`` in key order (None for unknown ids): a DataLoader batch."""
    rows = await pool.fetch(BY_IDS, list(ids))
    return in_key_order(ids, map(Territory.from_row, rows), lambda t: t.id)


async def for_partners(pool: Executor, partner_ids: Sequence[int]) -> list[list[Territory]]:
    """The territories each partner serves, one list per id in key order."""
    rows = await pool.fetch(BY_PARTNERS, list(partner_ids))
    pairs = [(r["partner_id"], Territory.from_row(r)) for r in rows]
    return [[t for _, t in group] for group in grouped(partner_ids, pairs, lambda p: p[0])]


async def existing_ids(conn: Executor, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` name a territory."""
    return {r["id"] for r in await conn.fetch(EXISTING, list(ids))}
