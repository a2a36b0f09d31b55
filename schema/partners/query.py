"""Partner queries, and the partner connection shared with ``Territory.partners``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import strawberry

from db.inputs import PartnerFilter
from db.repositories import partners
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.errors import as_user_input
from schema.common.ids import decode_id
from schema.common.prefetch import Prefetch, edge_cursors_selected, node_fields
from schema.context import Info
from schema.partners.inputs import PartnerFilterInput
from schema.partners.types import Partner

ORDER = "name"


async def partner_connection(
    info: Info,
    first: int,
    after: str | None,
    base: PartnerFilter,
    territory_id: int | None = None,
) -> Connection[Partner]:
    """A page of partners by name; ``territory_id`` narrows to one territory."""
    check_first(first)
    key = decode_cursor(after, ORDER, partners.KEY_TYPES)
    pool = info.context.pool
    count: Callable[[], Awaitable[int]]
    if territory_id is None:  # the page and its relations on one connection
        async with pool.acquire() as conn:
            page = await partners.list_page(conn, base, key, first)
            await _prefetch(info, [p.id for p in page.items]).on(conn)
        count = lambda: partners.count(pool, base)  # noqa: E731
    else:  # one territory among the parents of a nested connection: batched per request
        f = dataclasses.replace(base, territory_id=None)
        loaders = info.context.loaders
        pages = loaders.grouped(
            ("partners", f, key, first),
            lambda ids: partners.pages_by_territory(pool, ids, f, key, first),
        )
        counts = loaders.grouped(
            ("partner_counts", f), lambda ids: partners.counts_by_territory(pool, ids, f)
        )
        page = await pages.load(territory_id)
        count = lambda: counts.load(territory_id)  # noqa: E731
        await _prefetch(info, [p.id for p in page.items]).through_loaders()
    cursors = edge_cursors_selected(info)
    return connection(page, Partner.from_domain, ORDER, count, after, cursors=cursors)


def _prefetch(info: Info, ids: list[int]) -> Prefetch:
    """The batches of the relations the selection asks for."""
    wanted = node_fields(info)
    loaders = info.context.loaders
    prefetch = Prefetch()
    if "territories" in wanted:
        prefetch.add(loaders.partner_territories, ids)
    if "competencies" in wanted:
        prefetch.add(loaders.partner_competencies, ids)
    return prefetch


@strawberry.type
class PartnerQuery:
    """Read fields of the Partner feature."""

    @strawberry.field(description="Partners by name, filtered; `first` is 1..100.")
    async def partners(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: PartnerFilterInput | None = None,
    ) -> Connection[Partner]:
        """Partners by name, filtered; `first` is 1..100."""
        with as_user_input("filter"):
            base = filter.to_domain() if filter is not None else PartnerFilter()
        return await partner_connection(info, first, after, base)

    @strawberry.field(description="One partner by global ID, or null.")
    async def partner(self, info: Info, id: strawberry.ID) -> Partner | None:
        """One partner by global ID, or null."""
        with as_user_input():
            db_id = decode_id(id, "Partner")
        found = await info.context.loaders.partners.load(db_id)
        return Partner.from_domain(found) if found is not None else None
