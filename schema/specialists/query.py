"""Specialist queries, and the specialist connection shared with ``Territory.specialists``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import strawberry

from db import models
from db.inputs import SpecialistFilter
from db.repositories import specialists
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.errors import as_user_input
from schema.common.ids import decode_id, decode_optional
from schema.common.prefetch import Prefetch, edge_cursors_selected, node_fields
from schema.context import Info
from schema.specialists.types import Specialist

ORDER = "id"


async def specialist_connection(
    info: Info,
    first: int,
    after: str | None,
    base: SpecialistFilter,
    product_line_id: strawberry.ID | None,
    territory_id: int | None = None,
) -> Connection[Specialist]:
    """A page of specialists by id, optionally of one product line and one territory."""
    check_first(first)
    with as_user_input():
        line = decode_optional(product_line_id, "ProductLine", "product_line_id")
    key = decode_cursor(after, ORDER, specialists.KEY_TYPES)
    f = dataclasses.replace(base, product_line_id=line) if line is not None else base
    pool = info.context.pool
    count: Callable[[], Awaitable[int]]
    if territory_id is None:  # the page and its relations on one connection
        async with pool.acquire() as conn:
            page = await specialists.list_page(conn, f, key, first)
            await _prefetch(info, page.items).on(conn)
        count = lambda: specialists.count(pool, f)  # noqa: E731
    else:  # one territory among the parents of a nested connection: batched per request
        g = dataclasses.replace(f, territory_id=None)
        loaders = info.context.loaders
        pages = loaders.grouped(
            ("specialists", g, key, first),
            lambda ids: specialists.pages_by_territory(pool, ids, g, key, first),
        )
        counts = loaders.grouped(
            ("specialist_counts", g), lambda ids: specialists.counts_by_territory(pool, ids, g)
        )
        page = await pages.load(territory_id)
        count = lambda: counts.load(territory_id)  # noqa: E731
        await _prefetch(info, page.items).through_loaders()
    cursors = edge_cursors_selected(info)
    return connection(page, Specialist.from_domain, ORDER, count, after, cursors=cursors)


def _prefetch(info: Info, items: list[models.Specialist]) -> Prefetch:
    """The batches of the relations the selection asks for."""
    wanted = node_fields(info)
    loaders = info.context.loaders
    prefetch = Prefetch()
    if "territory" in wanted:
        prefetch.add(loaders.territories, (s.territory_id for s in items))
    if "productLine" in wanted:
        prefetch.add(loaders.product_lines, (s.product_line_id for s in items))
    return prefetch


@strawberry.type
class SpecialistQuery:
    """Read fields of the Specialist feature."""

    @strawberry.field(description="Specialists by id, optionally of one territory and/or line.")
    async def specialists(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        territory_id: strawberry.ID | None = None,
        product_line_id: strawberry.ID | None = None,
    ) -> Connection[Specialist]:
        """Specialists by id, optionally of one territory and/or line."""
        with as_user_input():
            territory = decode_optional(territory_id, "Territory", "territory_id")
        base = SpecialistFilter(territory_id=territory)
        return await specialist_connection(info, first, after, base, product_line_id)

    @strawberry.field(description="One specialist by global ID, or null.")
    async def specialist(self, info: Info, id: strawberry.ID) -> Specialist | None:
        """One specialist by global ID, or null."""
        with as_user_input():
            db_id = decode_id(id, "Specialist")
        found = await info.context.loaders.specialists.load(db_id)
        return Specialist.from_domain(found) if found is not None else None
