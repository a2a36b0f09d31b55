"""Partners with their territories and competencies: keyset pages, batches, and writes."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from db import validation
from db.errors import Invalid, NotFound
from db.inputs import CompetencyValue, NewPartner, PartnerFilter, PartnerPatch
from db.models import KEEP, Partner, PartnerCompetency, ProductLine
from db.repositories import product_lines, territories
from db.repositories._sql import (
    Executor,
    Key,
    Page,
    Where,
    counts_by_group,
    domain_errors,
    grouped,
    in_key_order,
    like_pattern,
    one,
    page_of,
    pages_by_group,
)
from db.repositories.product_lines import lines_of

COLUMNS = "p.id, p.name, p.track, p.tier, p.capacity, p.active, p.created_at, p.updated_at"
RETURNING = COLUMNS.replace("p.", "")
BY_IDS = f"SELECT {COLUMNS} FROM partners p WHERE p.id = any($1::bigint[])"
ELIGIBLE = f"""
SELECT pt.territory_id, {COLUMNS}
  FROM partner_territories pt
  JOIN partners p ON p.id = pt.partner_id
 WHERE pt.territory_id = any($1::bigint[]) AND p.active
 ORDER BY pt.territory_id, lower(p.name), p.id
"""
COMPETENCIES_WITH_LINES = """
SELECT c.partner_id, c.product_line_id, c.attach_rate, l.code, l.name, l.business_unit
  FROM partner_competencies c JOIN product_lines l ON l.id = c.product_line_id
 WHERE c.partner_id = any($1::bigint[])
 ORDER BY c.partner_id, c.product_line_id
"""
INSERT = f"""
INSERT INTO partners (name, track, tier, capacity, active)
VALUES ($1, $2, $3, $4, $5)
RETURNING {RETURNING}
"""
UPDATE = f"""
UPDATE partners
   SET name = coalesce($2, name), track = coalesce($3, track), tier = coalesce($4, tier),
       capacity = coalesce($5, capacity), active = coalesce($6, active), updated_at = now()
 WHERE id = $1
RETURNING {RETURNING}
"""
TOUCH = f"UPDATE partners SET updated_at = now() WHERE id = $1 RETURNING {RETURNING}"
DEACTIVATE = f"""
UPDATE partners SET active = false, updated_at = now() WHERE id = $1 RETURNING {RETURNING}
"""
CLEAR_TERRITORIES = "DELETE FROM partner_territories WHERE partner_id = $1"
ADD_TERRITORIES = """
INSERT INTO partner_territories (partner_id, territory_id)
SELECT $1, unnest($2::bigint[])
"""
CLEAR_COMPETENCIES = "DELETE FROM partner_competencies WHERE partner_id = $1"
ADD_COMPETENCIES = """
INSERT INTO partner_competencies (partner_id, product_line_id, attach_rate)
SELECT $1, line, rate FROM unnest($2::bigint[], $3::numeric[]) AS c (line, rate)
"""

ORDER = "ORDER BY lower(p.name), p.id"
AFTER = "(lower(p.name), p.id) > ({}, {})"
KEY_TYPES = (str, int)
"""Types of a partner page key: (lower(name), id)."""


def _where(f: PartnerFilter, where: Where | None = None) -> Where:
    where = where or Where()
    if f.track is not None:
        where.add("p.track = {}", f.track.value)
    if f.tier is not None:
        where.add("p.tier = {}", f.tier.value)
    if f.active is not None:
        where.add("p.active = {}", f.active)
    if f.territory_id is not None:
        where.add(
            "EXISTS (SELECT 1 FROM partner_territories pt"
            " WHERE pt.partner_id = p.id AND pt.territory_id = {})",
            f.territory_id,
        )
    if f.competency_line_id is not None:
        where.add(
            "EXISTS (SELECT 1 FROM partner_competencies pc WHERE pc.partner_id = p.id"
            " AND pc.product_line_id = {} AND pc.attach_rate >= {})",
            f.competency_line_id,
            f.min_rate or 0,
        )
    if f.name_search is not None:
        where.add("lower(p.name) LIKE {}", like_pattern(f.name_search))
    return where


def _key(row: asyncpg.Record) -> Key:
    return (row["name"].lower(), row["id"])


async def list_page(
    pool: Executor, f: PartnerFilter, after: Key | None, limit: int
) -> Page[Partner]:
    """A page of partners matching ``f``, by name then id, after the key ``after``."""
    where = _where(f)
    if after is not None:
        where.add(AFTER, *after)
    limit_param = where.param(limit + 1)
    sql = f"SELECT {COLUMNS} FROM partners p WHERE {where.sql()} {ORDER} LIMIT {limit_param}"
    return page_of(await pool.fetch(sql, *where.args), limit, Partner.from_row, _key)


async def count(pool: asyncpg.Pool, f: PartnerFilter) -> int:
    """How many partners match ``f``."""
    where = _where(f)
    value = await pool.fetchval(f"SELECT count(*) FROM partners p WHERE {where.sql()}", *where.args)
    return int(value)


SERVES_GROUP = (
    "EXISTS (SELECT 1 FROM partner_territories pt"
    " WHERE pt.partner_id = p.id AND pt.territory_id = t.group_key)"
)


async def pages_by_territory(
    pool: asyncpg.Pool,
    territory_ids: Sequence[int],
    f: PartnerFilter,
    after: Key | None,
    limit: int,
) -> list[Page[Partner]]:
    """One page of partners per territory in one statement: ``Territory.partners`` batched."""
    where = Where()
    groups = where.param(list(territory_ids))
    where.add(SERVES_GROUP)
    _where(f, where)
    if after is not None:
        where.add(AFTER, *after)
    limit_param = where.param(limit + 1)
    sql = (
        f"SELECT t.group_key, p.* FROM unnest({groups}::bigint[]) AS t (group_key)"
        f" CROSS JOIN LATERAL (SELECT {COLUMNS} FROM partners p WHERE {where.sql()}"
        f" {ORDER} LIMIT {limit_param}) p ORDER BY t.group_key, lower(p.name), p.id"
    )
    rows = await pool.fetch(sql, *where.args)
    return pages_by_group(rows, territory_ids, limit, Partner.from_row, _key)


async def counts_by_territory(
    pool: asyncpg.Pool, territory_ids: Sequence[int], f: PartnerFilter
) -> list[int]:
    """How many partners matching ``f`` serve each territory, in one statement."""
    where = Where()
    where.add("pt.territory_id = any({}::bigint[])", list(territory_ids))
    _where(f, where)
    sql = (
        "SELECT pt.territory_id AS group_key, count(*) AS count FROM partner_territories pt"
        f" JOIN partners p ON p.id = pt.partner_id WHERE {where.sql()} GROUP BY pt.territory_id"
    )
    return counts_by_group(await pool.fetch(sql, *where.args), territory_ids)


async def get_many(pool: Executor, ids: Sequence[int]) -> list[Partner | None]:
    """Partners for ``ids`` in key order (None for unknown ids): a DataLoader batch."""
    rows = await pool.fetch(BY_IDS, list(ids))
    return in_key_order(ids, map(Partner.from_row, rows), lambda p: p.id)


async def eligible_for_territories(
    pool: Executor, territory_ids: Sequence[int]
) -> list[list[Partner]]:
    """Active partners serving each territory, by name: who may take its accounts."""
    rows = await pool.fetch(ELIGIBLE, list(territory_ids))
    pairs = [(r["territory_id"], Partner.from_row(r)) for r in rows]
    return [[p for _, p in group] for group in grouped(territory_ids, pairs, lambda x: x[0])]


async def competencies_with_lines_for(
    pool: Executor, partner_ids: Sequence[int]
) -> list[list[tuple[PartnerCompetency, ProductLine]]]:
    """Each partner's competencies paired with their product lines, one list per id in key
    order: one statement (a join); rows of one line share one ProductLine."""
    rows = await pool.fetch(COMPETENCIES_WITH_LINES, list(partner_ids))
    lines = lines_of(rows)
    pairs = [(PartnerCompetency.from_row(r), lines[r["product_line_id"]]) for r in rows]
    return grouped(partner_ids, pairs, lambda pair: pair[0].partner_id)


async def create(pool: asyncpg.Pool, new: NewPartner) -> Partner:
    """Insert a partner; a duplicate name (case-insensitive) is a ``Conflict`` on ``name``."""
    args = (new.name, new.track.value, new.tier.value, new.capacity, new.active)
    return Partner.from_row(one(await domain_errors(pool.fetchrow(INSERT, *args))))


async def update(pool: asyncpg.Pool, partner_id: int, patch: PartnerPatch) -> Partner:
    """Apply ``patch``; ``NotFound`` when the partner does not exist."""
    args = [
        None if value is KEEP else value
        for value in (patch.name, patch.track, patch.tier, patch.capacity, patch.active)
    ]
    row = await domain_errors(pool.fetchrow(UPDATE, partner_id, *args))
    if row is None:
        raise NotFound("Partner", partner_id)
    return Partner.from_row(row)


async def deactivate(pool: asyncpg.Pool, partner_id: int) -> Partner:
    """Mark a partner inactive (kept for history; no longer eligible for new accounts)."""
    row = await pool.fetchrow(DEACTIVATE, partner_id)
    if row is None:
        raise NotFound("Partner", partner_id)
    return Partner.from_row(row)


async def set_territories(
    pool: asyncpg.Pool, partner_id: int, territory_ids: Sequence[int]
) -> Partner:
    """Replace the territories a partner serves, all or nothing."""
    ids = validation.distinct("territory_ids", list(territory_ids))
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(TOUCH, partner_id)
        if row is None:
            raise NotFound("Partner", partner_id)
        known = await territories.existing_ids(conn, ids)
        for index, territory_id in enumerate(ids):
            if territory_id not in known:
                raise Invalid(f"territory_ids.{index}", "exists", "unknown territory")
        await conn.execute(CLEAR_TERRITORIES, partner_id)
        await domain_errors(conn.execute(ADD_TERRITORIES, partner_id, ids))
    return Partner.from_row(row)


async def set_competencies(
    pool: asyncpg.Pool, partner_id: int, competencies: Sequence[CompetencyValue]
) -> Partner:
    """Replace a partner's attach rates per product line, all or nothing."""
    lines = validation.distinct("competencies", [c.product_line_id for c in competencies])
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(TOUCH, partner_id)
        if row is None:
            raise NotFound("Partner", partner_id)
        known = await product_lines.existing_ids(conn, lines)
        for index, line in enumerate(lines):
            if line not in known:
                raise Invalid(
                    f"competencies.{index}.product_line_id", "exists", "unknown product line"
                )
        await conn.execute(CLEAR_COMPETENCIES, partner_id)
        rates = [c.attach_rate for c in competencies]
        await domain_errors(conn.execute(ADD_COMPETENCIES, partner_id, lines, rates))
    return Partner.from_row(row)
