"""The partner portal's reads: one partner's live assignments and what it may know of them.

Every query here takes the partner id as a parameter and filters on it in SQL: a partner sees
the live ``assignments`` rows of its own partner and, for those accounts only, the account's
name, territory, whitespace per product line and the specialists assigned with it. The schema
runs these reads through ``db.rls.as_partner``, so row-level security filters them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db.models import Partner
from db.repositories._sql import Executor, Key, Page, grouped, page_of


@dataclass(frozen=True, slots=True)
class OfferedAccount:
    """A live assignment of the partner, seen from the partner's side."""

    account_id: int
    account_name: str
    territory_code: str
    territory_name: str
    territory_region: str
    expected_revenue_cents: int
    offer_status: str
    offered_at: datetime
    responded_at: datetime | None
    reason: str | None
    specialist_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LineWhitespace:
    """Whitespace of one product line of an offered account."""

    account_id: int
    product_line_code: str
    product_line_name: str
    whitespace_cents: int


@dataclass(frozen=True, slots=True)
class SpecialistContact:
    """A specialist assigned with an offered account: who to call."""

    id: int
    name: str
    email: str | None
    product_line_code: str


COLUMNS = """
SELECT l.account_id, a.name AS account_name, t.code AS territory_code,
       t.name AS territory_name, t.region AS territory_region, l.expected_revenue_cents,
       l.offer_status, l.offered_at, l.responded_at, l.reason, l.specialist_ids
  FROM assignments l
  JOIN accounts a ON a.id = l.account_id
  JOIN territories t ON t.id = a.territory_id
"""
PAGE = (
    COLUMNS
    + """
 WHERE l.partner_id = $1 AND ($2::text IS NULL OR l.offer_status = $2)
   AND ($3::bigint IS NULL OR l.account_id > $3)
 ORDER BY l.account_id
 LIMIT $4
"""
)
COUNT = """
SELECT count(*) FROM assignments
 WHERE partner_id = $1 AND ($2::text IS NULL OR offer_status = $2)
"""
MANY = COLUMNS + " WHERE l.partner_id = $1 AND l.account_id = any($2::bigint[])"
WHITESPACE = """
SELECT w.account_id, p.code, p.name, w.whitespace_cents
  FROM account_wallets w
  JOIN product_lines p ON p.id = w.product_line_id
  JOIN assignments l ON l.account_id = w.account_id
 WHERE l.partner_id = $1 AND w.account_id = any($2::bigint[])
 ORDER BY w.account_id, p.code
"""
SPECIALISTS = """
SELECT l.account_id, s.id, s.name, s.email, p.code
  FROM assignments l
 CROSS JOIN LATERAL unnest(l.specialist_ids) AS sid
  JOIN specialists s ON s.id = sid
  JOIN product_lines p ON p.id = s.product_line_id
 WHERE l.partner_id = $1 AND l.account_id = any($2::bigint[])
 ORDER BY l.account_id, p.code, s.id
"""


OWN_PARTNER = """
SELECT id, name, track, tier, capacity, active, created_at, updated_at
  FROM partners WHERE id = $1
"""


async def own_partner(db: Executor, partner_id: int) -> Partner | None:
    """The partner itself (what its portal shows of it)."""
    row = await db.fetchrow(OWN_PARTNER, partner_id)
    return Partner.from_row(row) if row is not None else None


def _offered(row: asyncpg.Record) -> OfferedAccount:
    return OfferedAccount(
        account_id=row["account_id"],
        account_name=row["account_name"],
        territory_code=row["territory_code"],
        territory_name=row["territory_name"],
        territory_region=row["territory_region"],
        expected_revenue_cents=row["expected_revenue_cents"],
        offer_status=row["offer_status"],
        offered_at=row["offered_at"],
        responded_at=row["responded_at"],
        reason=row["reason"],
        specialist_ids=tuple(row["specialist_ids"]),
    )


def _key(row: asyncpg.Record) -> Key:
    return (row["account_id"],)


async def offered_page(
    db: Executor, partner_id: int, *, first: int, after: int | None, status: str | None = None
) -> Page[OfferedAccount]:
    """A keyset page (by account id) of the partner's live assignments."""
    rows = await db.fetch(PAGE, partner_id, status, after, first + 1)
    return page_of(rows, first, _offered, _key)


async def offered_count(db: Executor, partner_id: int, status: str | None = None) -> int:
    """How many live assignments the partner holds (optionally with one offer status)."""
    return int(await db.fetchval(COUNT, partner_id, status))


async def offered_many(
    db: Executor, partner_id: int, account_ids: Sequence[int]
) -> list[OfferedAccount | None]:
    """The partner's live assignments for ``account_ids`` in key order (None: not its own)."""
    rows = await db.fetch(MANY, partner_id, list(account_ids))
    found = {r["account_id"]: _offered(r) for r in rows}
    return [found.get(a) for a in account_ids]


async def whitespace_for(
    db: Executor, partner_id: int, account_ids: Sequence[int]
) -> list[list[LineWhitespace]]:
    """Whitespace per line of the partner's offered accounts, grouped in ``account_ids`` order."""
    rows = await db.fetch(WHITESPACE, partner_id, list(account_ids))
    items = [LineWhitespace(r["account_id"], r["code"], r["name"], r[3]) for r in rows]
    return grouped(account_ids, items, lambda w: w.account_id)


async def specialists_for(
    db: Executor, partner_id: int, account_ids: Sequence[int]
) -> list[list[SpecialistContact]]:
    """Specialists assigned with the partner's offered accounts, in ``account_ids`` order."""
    rows = await db.fetch(SPECIALISTS, partner_id, list(account_ids))
    items = [
        (r["account_id"], SpecialistContact(r["id"], r["name"], r["email"], r["code"]))
        for r in rows
    ]
    return [[c for _, c in group] for group in grouped(account_ids, items, lambda i: i[0])]


@dataclass(frozen=True, slots=True)
class OfferRow:
    """One live offer as planners see it: account, partner, territory, status and reason."""

    account_id: int
    account_name: str
    partner_id: int
    partner_name: str
    territory_code: str
    offer_status: str
    offered_at: datetime
    responded_at: datetime | None
    reason: str | None
    expected_revenue_cents: int


@dataclass(frozen=True, slots=True)
class OfferFilter:
    """Planner filters of ``offers``, ANDed; None means any."""

    status: str | None = None
    partner_id: int | None = None
    territory_id: int | None = None
    account_id: int | None = None


OFFERS = """
SELECT l.account_id, a.name AS account_name, l.partner_id, p.name AS partner_name,
       t.code AS territory_code, l.offer_status, l.offered_at, l.responded_at, l.reason,
       l.expected_revenue_cents
  FROM assignments l
  JOIN accounts a ON a.id = l.account_id
  JOIN partners p ON p.id = l.partner_id
  JOIN territories t ON t.id = a.territory_id
 WHERE ($1::text IS NULL OR l.offer_status = $1) AND ($2::bigint IS NULL OR l.partner_id = $2)
   AND ($3::bigint IS NULL OR a.territory_id = $3) AND ($4::bigint IS NULL OR l.account_id = $4)
   AND ($5::bigint IS NULL OR l.account_id > $5)
 ORDER BY l.account_id
 LIMIT $6
"""
OFFERS_COUNT = """
SELECT count(*) FROM assignments l JOIN accounts a ON a.id = l.account_id
 WHERE ($1::text IS NULL OR l.offer_status = $1) AND ($2::bigint IS NULL OR l.partner_id = $2)
   AND ($3::bigint IS NULL OR a.territory_id = $3) AND ($4::bigint IS NULL OR l.account_id = $4)
"""


def _filter_args(f: OfferFilter) -> tuple[str | None, int | None, int | None, int | None]:
    return f.status, f.partner_id, f.territory_id, f.account_id


async def offers_page(
    db: Executor, f: OfferFilter, *, first: int, after: int | None
) -> Page[OfferRow]:
    """A keyset page (by account id) of live offers for planners."""
    rows = await db.fetch(OFFERS, *_filter_args(f), after, first + 1)
    return page_of(rows, first, lambda r: OfferRow(**dict(r)), _key)


async def offers_count(db: Executor, f: OfferFilter) -> int:
    """How many live offers match ``f``."""
    return int(await db.fetchval(OFFERS_COUNT, *_filter_args(f)))
