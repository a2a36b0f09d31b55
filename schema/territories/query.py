"""Territory queries."""

from __future__ import annotations

import strawberry

from db.repositories import territories
from schema.common.errors import as_user_input
from schema.common.ids import decode_id
from schema.context import Info
from schema.territories.types import Territory


@strawberry.type
class TerritoryQuery:
    """Read fields of the Territory feature."""

    @strawberry.field(description="All territories, by code (a short list: not paged).")
    async def territories(self, info: Info) -> list[Territory]:
        """All territories, by code (a short list: not paged)."""
        return [Territory.from_domain(t) for t in await territories.list_all(info.context.pool)]

    @strawberry.field(description="One territory by global ID, or null.")
    async def territory(self, info: Info, id: strawberry.ID) -> Territory | None:
        """One territory by global ID, or null."""
        with as_user_input():
            db_id = decode_id(id, "Territory")
        found = await info.context.loaders.territories.load(db_id)
        return Territory.from_domain(found) if found is not None else None
