"""Scenario queries: one by ID, and a keyset page newest first."""

from __future__ import annotations

import strawberry

from db.scenarios import repository
from db.scenarios.models import ScenarioFilter
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.errors import as_user_input
from schema.common.ids import decode_id
from schema.context import Info
from schema.scenarios.enums import ScenarioStatus
from schema.scenarios.types import Scenario

ORDER = "newest"


@strawberry.input(description="Scenario list filters; combined with AND.")
class ScenarioFilterInput:
    status: ScenarioStatus | None = None
    created_by: str | None = None


@strawberry.type
class ScenarioQuery:
    @strawberry.field(description="One scenario by global ID, or null.")
    async def scenario(self, info: Info, id: strawberry.ID) -> Scenario | None:
        with as_user_input():
            db_id = decode_id(id, "Scenario")
        found = (await repository.get_many(info.context.pool, [db_id]))[0]
        return None if found is None else Scenario.from_domain(found)

    @strawberry.field(description="Scenarios, newest first; `first` is 1..100.")
    async def scenarios(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: ScenarioFilterInput | None = None,
    ) -> Connection[Scenario]:
        check_first(first)
        key = decode_cursor(after, ORDER, repository.KEY_TYPES)
        f = ScenarioFilter(
            status=filter.status if filter else None,
            created_by=filter.created_by if filter else None,
        )
        pool = info.context.pool
        page = await repository.list_page(pool, f, key, first)
        return connection(
            page, Scenario.from_domain, ORDER, lambda: repository.count(pool, f), after
        )
