"""Accounts and their wallets: keyset pages in two orders, batches, writes and bulk release."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from db import validation
from db.errors import Conflict, NotFound
from db.inputs import AccountFilter, AccountOrder, AccountPatch, NewAccount, WalletValue
from db.models import KEEP, Account, Coverage, ProductLine, Wallet
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

COLUMNS = (
    "a.id, a.external_ref, a.name, a.territory_id, a.segment, a.workload, a.coverage,"
    " a.incumbent_partner_id, a.total_whitespace, a.created_at, a.updated_at"
)
RETURNING = COLUMNS.replace("a.", "")
BY_IDS = f"SELECT {COLUMNS} FROM accounts a WHERE a.id = any($1::bigint[])"
WALLETS_WITH_LINES = """
SELECT w.account_id, w.product_line_id, w.wallet_cents, w.spend_cents, w.whitespace_cents,
       l.code, l.name, l.business_unit
  FROM account_wallets w JOIN product_lines l ON l.id = w.product_line_id
 WHERE w.account_id = any($1::bigint[])
 ORDER BY w.account_id, w.product_line_id
"""
INSERT = f"""
INSERT INTO accounts
       (external_ref, name, territory_id, segment, workload, coverage, incumbent_partner_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING {RETURNING}
"""
UPDATE = f"""
UPDATE accounts
   SET name = coalesce($2, name), territory_id = coalesce($3, territory_id),
       segment = coalesce($4, segment), workload = coalesce($5, workload),
       coverage = coalesce($6, coverage),
       incumbent_partner_id = CASE WHEN $7::boolean THEN $8 ELSE incumbent_partner_id END,
       updated_at = now()
 WHERE id = $1
RETURNING {RETURNING}
"""
UPSERT_WALLET = """
INSERT INTO account_wallets (account_id, product_line_id, wallet_cents, spend_cents)
VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, product_line_id)
DO UPDATE SET wallet_cents = excluded.wallet_cents, spend_cents = excluded.spend_cents
"""
TOUCH = f"UPDATE accounts SET updated_at = now() WHERE id = $1 RETURNING {RETURNING}"
LOCK_ONE = "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE"
LOCK_FOR_RELEASE = """
SELECT id, coverage FROM accounts WHERE id = any($1::bigint[]) ORDER BY id FOR UPDATE
"""
RELEASE = f"""
UPDATE accounts SET coverage = 'UNNAMED', updated_at = now()
 WHERE id = any($1::bigint[])
RETURNING {RETURNING}
"""
MAX_RELEASE = 10_000

ORDERS: dict[AccountOrder, tuple[str, str, tuple[type, ...]]] = {
    # order -> (ORDER BY, keyset condition after a key, key types)
    AccountOrder.TOTAL_WHITESPACE_DESC: (
        "ORDER BY a.total_whitespace DESC, a.id DESC",
        "(a.total_whitespace, a.id) < ({}, {})",
        (int, int),
    ),
    AccountOrder.NAME_ASC: (
        "ORDER BY lower(a.name), a.id",
        "(lower(a.name), a.id) > ({}, {})",
        (str, int),
    ),
}


def key_types(order: AccountOrder) -> tuple[type, ...]:
    """The types of a page key in ``order`` (to check a decoded cursor)."""
    return ORDERS[order][2]


def _where(f: AccountFilter, where: Where | None = None) -> Where:
    where = where or Where()
    if f.coverage is not None:
        where.add("a.coverage = {}", f.coverage.value)
    if f.territory_id is not None:
        where.add("a.territory_id = {}", f.territory_id)
    if f.incumbent_partner_id is not None:
        where.add("a.incumbent_partner_id = {}", f.incumbent_partner_id)
    if f.product_line_id is not None:
        where.add(
            "EXISTS (SELECT 1 FROM account_wallets w WHERE w.account_id = a.id"
            " AND w.product_line_id = {} AND w.whitespace_cents >= {})",
            f.product_line_id,
            f.min_whitespace_cents or 0,
        )
    elif f.min_whitespace_cents is not None:
        where.add("a.total_whitespace >= {}", f.min_whitespace_cents)
    if f.name_search is not None:
        where.add("lower(a.name) LIKE {}", like_pattern(f.name_search))
    return where


class _Keys:
    @staticmethod
    def whitespace(row: asyncpg.Record) -> Key:
        return (row["total_whitespace"], row["id"])

    @staticmethod
    def name(row: asyncpg.Record) -> Key:
        return (row["name"].lower(), row["id"])


async def list_page(
    pool: Executor, f: AccountFilter, order: AccountOrder, after: Key | None, limit: int
) -> Page[Account]:
    """A page of accounts matching ``f`` in ``order``, after the key ``after``."""
    order_by, after_sql, _ = ORDERS[order]
    where = _where(f)
    if after is not None:
        where.add(after_sql, *after)
    limit_param = where.param(limit + 1)
    sql = f"SELECT {COLUMNS} FROM accounts a WHERE {where.sql()} {order_by} LIMIT {limit_param}"
    key = _Keys.whitespace if order is AccountOrder.TOTAL_WHITESPACE_DESC else _Keys.name
    return page_of(await pool.fetch(sql, *where.args), limit, Account.from_row, key)


async def count(pool: asyncpg.Pool, f: AccountFilter) -> int:
    """How many accounts match ``f``."""
    where = _where(f)
    value = await pool.fetchval(f"SELECT count(*) FROM accounts a WHERE {where.sql()}", *where.args)
    return int(value)


async def pages_by_territory(
    pool: asyncpg.Pool,
    territory_ids: Sequence[int],
    f: AccountFilter,
    order: AccountOrder,
    after: Key | None,
    limit: int,
) -> list[Page[Account]]:
    """One page per territory in one statement (LATERAL): ``Territory.accounts`` batched."""
    order_by, after_sql, _ = ORDERS[order]
    where = Where()
    groups = where.param(list(territory_ids))
    where.add("a.territory_id = t.group_key")
    _where(f, where)
    if after is not None:
        where.add(after_sql, *after)
    limit_param = where.param(limit + 1)
    outer_order = order_by.replace("ORDER BY", "ORDER BY t.group_key,")
    sql = (
        f"SELECT t.group_key, a.* FROM unnest({groups}::bigint[]) AS t (group_key)"
        f" CROSS JOIN LATERAL (SELECT {COLUMNS} FROM accounts a WHERE {where.sql()}"
        f" {order_by} LIMIT {limit_param}) a {outer_order}"
    )
    key = _Keys.whitespace if order is AccountOrder.TOTAL_WHITESPACE_DESC else _Keys.name
    rows = await pool.fetch(sql, *where.args)
    return pages_by_group(rows, territory_ids, limit, Account.from_row, key)


async def counts_by_territory(
    pool: asyncpg.Pool, territory_ids: Sequence[int], f: AccountFilter
) -> list[int]:
    """How many accounts match ``f`` in each territory, in one statement."""
    where = Where()
    where.add("a.territory_id = any({}::bigint[])", list(territory_ids))
    _where(f, where)
    sql = (
        "SELECT a.territory_id AS group_key, count(*) AS count FROM accounts a"
        f" WHERE {where.sql()} GROUP BY a.territory_id"
    )
    return counts_by_group(await pool.fetch(sql, *where.args), territory_ids)


async def get_many(pool: Executor, ids: Sequence[int]) -> list[Account | None]:
    """Accounts for ``ids`` in key order (None for unknown ids): a DataLoader batch."""
    rows = await pool.fetch(BY_IDS, list(ids))
    return in_key_order(ids, map(Account.from_row, rows), lambda a: a.id)


async def wallets_with_lines_for(
    pool: Executor, account_ids: Sequence[int]
) -> list[list[tuple[Wallet, ProductLine]]]:
    """Each account's wallets paired with their product lines, one list per id in key order.

    One statement (a join) rather than the wallets and then their lines: the API's account
    pages ask for both (bench/RESULTS.md "API"). Rows of one line share one ProductLine.
    """
    rows = await pool.fetch(WALLETS_WITH_LINES, list(account_ids))
    lines = lines_of(rows)
    pairs = [(Wallet.from_row(r), lines[r["product_line_id"]]) for r in rows]
    return grouped(account_ids, pairs, lambda pair: pair[0].account_id)


async def create(pool: asyncpg.Pool, new: NewAccount) -> Account:
    """Insert an account: unknown territory/incumbent is ``Invalid``, reused ref ``Conflict``."""
    args = (
        new.external_ref,
        new.name,
        new.territory_id,
        new.segment.value,
        new.workload,
        new.coverage.value,
        new.incumbent_partner_id,
    )
    return Account.from_row(one(await domain_errors(pool.fetchrow(INSERT, *args))))


async def update(pool: asyncpg.Pool, account_id: int, patch: AccountPatch) -> Account:
    """Apply ``patch``; ``NotFound`` when the account does not exist."""
    values = (patch.name, patch.territory_id, patch.segment, patch.workload, patch.coverage)
    args = [None if value is KEEP else value for value in values]
    incumbent = patch.incumbent_partner_id
    set_incumbent = incumbent is not KEEP
    row = await domain_errors(
        pool.fetchrow(
            UPDATE, account_id, *args, set_incumbent, None if incumbent is KEEP else incumbent
        )
    )
    if row is None:
        raise NotFound("Account", account_id)
    return Account.from_row(row)


async def set_wallet(pool: asyncpg.Pool, wallet: WalletValue) -> Account:
    """Insert or replace an account's wallet for one line; returns the account (new total)."""
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(LOCK_ONE, wallet.account_id) is None:
            raise NotFound("Account", wallet.account_id)
        args = (wallet.account_id, wallet.product_line_id, wallet.wallet_cents, wallet.spend_cents)
        await domain_errors(conn.execute(UPSERT_WALLET, *args))
        row = await conn.fetchrow(TOUCH, wallet.account_id)
    assert row is not None  # locked above: the account exists
    return Account.from_row(row)


async def release(pool: asyncpg.Pool, account_ids: Sequence[int]) -> list[Account]:
    """Turn NAMED accounts UNNAMED, all or nothing; returns them in the order asked.

    An unknown id is ``NotFound`` and an account that is already UNNAMED a ``Conflict`` on
    ``ids.<index>``; either way nothing is written.
    """
    ids = validation.distinct("ids", list(account_ids))
    validation.int_range("ids", len(ids), minimum=1, maximum=MAX_RELEASE)
    async with pool.acquire() as conn, conn.transaction():
        coverage = {r["id"]: r["coverage"] for r in await conn.fetch(LOCK_FOR_RELEASE, ids)}
        for index, account_id in enumerate(ids):
            if account_id not in coverage:
                raise NotFound("Account", account_id)
            if coverage[account_id] != Coverage.NAMED.value:
                raise Conflict(f"account {account_id} is already UNNAMED", f"ids.{index}")
        rows = await conn.fetch(RELEASE, ids)
    accounts = in_key_order(ids, map(Account.from_row, rows), lambda a: a.id)
    return [a for a in accounts if a is not None]
