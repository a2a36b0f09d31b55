"""Specialists: keyset pages by id with territory and product-line filters, batches, writes."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from db.errors import NotFound
from db.inputs import NewSpecialist, SpecialistFilter, SpecialistPatch
from db.models import KEEP, Specialist
from db.repositories._sql import (
    Executor,
    Key,
    Page,
    Where,
    counts_by_group,
    domain_errors,
    in_key_order,
    one,
    page_of,
    pages_by_group,
)

COLUMNS = (
    "s.id, s.name, s.email, s.territory_id, s.product_line_id, s.capacity, s.lift,"
    " s.created_at, s.updated_at"
)
RETURNING = COLUMNS.replace("s.", "")
BY_IDS = f"SELECT {COLUMNS} FROM specialists s WHERE s.id = any($1::bigint[])"
INSERT = f"""
INSERT INTO specialists (name, email, territory_id, product_line_id, capacity, lift)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING {RETURNING}
"""
UPDATE = f"""
UPDATE specialists
   SET name = coalesce($2, name), territory_id = coalesce($3, territory_id),
       product_line_id = coalesce($4, product_line_id), capacity = coalesce($5, capacity),
       lift = coalesce($6, lift), email = CASE WHEN $7::boolean THEN $8 ELSE email END,
       updated_at = now()
 WHERE id = $1
RETURNING {RETURNING}
"""
ORDER = "ORDER BY s.id"
AFTER = "s.id > {}"
KEY_TYPES = (int,)
"""Types of a specialist page key: (id,)."""


def _where(f: SpecialistFilter, where: Where | None = None) -> Where:
    where = where or Where()
    if f.territory_id is not None:
        where.add("s.territory_id = {}", f.territory_id)
    if f.product_line_id is not None:
        where.add("s.product_line_id = {}", f.product_line_id)
    return where


def _key(row: asyncpg.Record) -> Key:
    return (row["id"],)


async def list_page(
    pool: Executor, f: SpecialistFilter, after: Key | None, limit: int
) -> Page[Specialist]:
    """A page of specialists matching ``f`` by id, after the key ``after``."""
    where = _where(f)
    if after is not None:
        where.add(AFTER, *after)
    limit_param = where.param(limit + 1)
    sql = f"SELECT {COLUMNS} FROM specialists s WHERE {where.sql()} {ORDER} LIMIT {limit_param}"
    return page_of(await pool.fetch(sql, *where.args), limit, Specialist.from_row, _key)


async def count(pool: asyncpg.Pool, f: SpecialistFilter) -> int:
    """How many specialists match ``f``."""
    where = _where(f)
    sql = f"SELECT count(*) FROM specialists s WHERE {where.sql()}"
    return int(await pool.fetchval(sql, *where.args))


async def pages_by_territory(
    pool: asyncpg.Pool,
    territory_ids: Sequence[int],
    f: SpecialistFilter,
    after: Key | None,
    limit: int,
) -> list[Page[Specialist]]:
    """One page of specialists per territory in one statement: ``Territory.specialists``."""
    where = Where()
    groups = where.param(list(territory_ids))
    where.add("s.territory_id = t.group_key")
    _where(f, where)
    if after is not None:
        where.add(AFTER, *after)
    limit_param = where.param(limit + 1)
    sql = (
        f"SELECT t.group_key, s.* FROM unnest({groups}::bigint[]) AS t (group_key)"
        f" CROSS JOIN LATERAL (SELECT {COLUMNS} FROM specialists s WHERE {where.sql()}"
        f" {ORDER} LIMIT {limit_param}) s ORDER BY t.group_key, s.id"
    )
    rows = await pool.fetch(sql, *where.args)
    return pages_by_group(rows, territory_ids, limit, Specialist.from_row, _key)


async def counts_by_territory(
    pool: asyncpg.Pool, territory_ids: Sequence[int], f: SpecialistFilter
) -> list[int]:
    """How many specialists matching ``f`` work in each territory, in one statement."""
    where = Where()
    where.add("s.territory_id = any({}::bigint[])", list(territory_ids))
    _where(f, where)
    sql = (
        "SELECT s.territory_id AS group_key, count(*) AS count FROM specialists s"
        f" WHERE {where.sql()} GROUP BY s.territory_id"
    )
    return counts_by_group(await pool.fetch(sql, *where.args), territory_ids)


async def get_many(pool: Executor, ids: Sequence[int]) -> list[Specialist | None]:
    """Specialists for ``ids`` in key order (None for unknown ids): a DataLoader batch."""
    rows = await pool.fetch(BY_IDS, list(ids))
    return in_key_order(ids, map(Specialist.from_row, rows), lambda s: s.id)


async def create(pool: asyncpg.Pool, new: NewSpecialist) -> Specialist:
    """Insert a specialist; unknown territory or product line is ``Invalid`` (rule ``exists``)."""
    args = (new.name, new.email, new.territory_id, new.product_line_id, new.capacity, new.lift)
    return Specialist.from_row(one(await domain_errors(pool.fetchrow(INSERT, *args))))


async def update(pool: asyncpg.Pool, specialist_id: int, patch: SpecialistPatch) -> Specialist:
    """Apply ``patch``; ``NotFound`` when the specialist does not exist."""
    values = (patch.name, patch.territory_id, patch.product_line_id, patch.capacity, patch.lift)
    args = [None if value is KEEP else value for value in values]
    email = None if patch.email is KEEP else patch.email
    row = await domain_errors(
        pool.fetchrow(UPDATE, specialist_id, *args, patch.email is not KEEP, email)
    )
    if row is None:
        raise NotFound("Specialist", specialist_id)
    return Specialist.from_row(row)
