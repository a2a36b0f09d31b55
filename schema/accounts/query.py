"""Account queries, and the account connection shared with ``Territory.accounts``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import strawberry

from db import models
from db.inputs import AccountFilter
from db.repositories import accounts
from schema.accounts.inputs import AccountFilterInput
from schema.accounts.types import Account
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.enums import AccountOrder
from schema.common.errors import as_user_input
from schema.common.ids import decode_id
from schema.common.prefetch import Prefetch, edge_cursors_selected, node_fields
from schema.context import Info


async def account_connection(
    info: Info,
    first: int,
    after: str | None,
    base: AccountFilter,
    order: AccountOrder,
    territory_id: int | None = None,
) -> Connection[Account]:
    """A page of accounts in ``order``; ``territory_id`` narrows to one territory."""
    check_first(first)
    key = decode_cursor(after, order.value, accounts.key_types(order))
    pool = info.context.pool
    count: Callable[[], Awaitable[int]]
    if territory_id is None:  # the page and its relations on one connection
        async with pool.acquire() as conn:
            page = await accounts.list_page(conn, base, order, key, first)
            await _prefetch(info, page.items).on(conn)
        count = lambda: accounts.count(pool, base)  # noqa: E731
    else:  # one territory among the parents of a nested connection: batched per request
        f = dataclasses.replace(base, territory_id=None)
        loaders = info.context.loaders
        pages = loaders.grouped(
            ("accounts", f, order, key, first),
            lambda ids: accounts.pages_by_territory(pool, ids, f, order, key, first),
        )
        counts = loaders.grouped(
            ("account_counts", f), lambda ids: accounts.counts_by_territory(pool, ids, f)
        )
        page = await pages.load(territory_id)
        count = lambda: counts.load(territory_id)  # noqa: E731
        await _prefetch(info, page.items).through_loaders()
    cursors = edge_cursors_selected(info)
    return connection(page, Account.from_domain, order.value, count, after, cursors=cursors)


def _prefetch(info: Info, items: list[models.Account]) -> Prefetch:
    """The batches of the relations the selection asks for."""
    wanted = node_fields(info)
    loaders = info.context.loaders
    prefetch = Prefetch()
    if "territory" in wanted:
        prefetch.add(loaders.territories, (a.territory_id for a in items))
    if "incumbentPartner" in wanted:
        prefetch.add(loaders.partners, (a.incumbent_partner_id for a in items))
    if "wallets" in wanted:
        prefetch.add(loaders.account_wallets, (a.id for a in items))
    if "eligiblePartners" in wanted:
        prefetch.add(loaders.eligible_partners, (a.territory_id for a in items))
    return prefetch


@strawberry.type
class AccountQuery:
    """Read fields of the Account feature."""

    @strawberry.field(description="Accounts, filtered and ordered; `first` is 1..100.")
    async def accounts(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: AccountFilterInput | None = None,
        order: AccountOrder = AccountOrder.TOTAL_WHITESPACE_DESC,
    ) -> Connection[Account]:
        """Accounts, filtered and ordered; `first` is 1..100."""
        with as_user_input("filter"):
            base = filter.to_domain() if filter is not None else AccountFilter()
        return await account_connection(info, first, after, base, order)

    @strawberry.field(description="One account by global ID, or null.")
    async def account(self, info: Info, id: strawberry.ID) -> Account | None:
        """One account by global ID, or null."""
        with as_user_input():
            db_id = decode_id(id, "Account")
        found = await info.context.loaders.accounts.load(db_id)
        return Account.from_domain(found) if found is not None else None
