"""Publish and repair mutations: thin wrappers over db.publish and db.repair."""

from __future__ import annotations

import strawberry

from db.principal import ANONYMOUS_SUBJECT
from db.publish import publish
from db.repair import repair
from db.scenarios import repository
from schema.common.errors import attempt
from schema.common.ids import decode_id
from schema.context import Info
from schema.results.payloads import (
    PublishScenarioPayload,
    PublishScenarioSuccess,
    RepairScenarioPayload,
    RepairScenarioSuccess,
)


@strawberry.type
class ResultMutation:
    @strawberry.mutation(
        description="Make a SOLVED scenario's allocation live for the accounts in its scope, in "
        "one transaction. Publishing twice is harmless; a concurrent publish gets ConflictError."
    )
    async def publish_scenario(self, info: Info, id: strawberry.ID) -> PublishScenarioPayload:
        async def work() -> PublishScenarioSuccess:
            scenario_id = decode_id(id, "Scenario")
            async with info.context.pool.acquire() as conn:
                outcome = await publish(conn, scenario_id)
                scenario = await repository.get(conn, scenario_id)
            return PublishScenarioSuccess.from_domain(outcome, scenario)

        return await attempt(work)

    @strawberry.mutation(
        description="Create and queue a REPAIR scenario for the declined, expired or orphaned "
        "live accounts of a PUBLISHED scenario; every other live assignment stays fixed."
    )
    async def repair_scenario(self, info: Info, id: strawberry.ID) -> RepairScenarioPayload:
        async def work() -> RepairScenarioSuccess:
            scenario_id = decode_id(id, "Scenario")
            principal = info.context.principal
            by = principal.subject if principal is not None else ANONYMOUS_SUBJECT
            async with info.context.pool.acquire() as conn:
                return RepairScenarioSuccess.from_domain(await repair(conn, scenario_id, by))

        return await attempt(work)
