"""Publish and repair payloads: what changed, or an error member naming what went wrong."""

from __future__ import annotations

from typing import Annotated, Self

import strawberry

from db.publish import PublishOutcome
from db.scenarios.models import Scenario
from schema.common.errors import ConflictError, NotFoundError, ValidationError
from schema.common.ids import encode_id
from schema.scenarios.types import Scenario as ScenarioType


def _sid(db_id: int) -> strawberry.ID:
    return strawberry.ID(encode_id("Scenario", db_id))


@strawberry.type(description="The scenario is live: what its publication changed.")
class PublishScenarioSuccess:
    scenario: ScenarioType = strawberry.field(description="The scenario, now PUBLISHED.")
    offered: int = strawberry.field(description="New offers (status OFFERED).")
    kept: int = strawberry.field(
        description="Standing offers to the same partner, now owned by this scenario."
    )
    superseded: int = strawberry.field(description="Live offers of other scenarios replaced.")
    removed: int = strawberry.field(description="Live rows of accounts it leaves unassigned.")
    archived_scenario_ids: list[strawberry.ID] = strawberry.field(
        description="Previously published scenarios left with no live account (now ARCHIVED)."
    )
    already_published: bool = strawberry.field(description="True: nothing to do, it was live.")

    @classmethod
    def from_domain(cls, out: PublishOutcome, scenario: Scenario) -> Self:
        """Map the domain values: the outcome and the scenario as it is now."""
        return cls(
            scenario=ScenarioType.from_domain(scenario),
            offered=out.offered,
            kept=out.kept,
            superseded=out.superseded,
            removed=out.removed,
            archived_scenario_ids=[_sid(i) for i in out.archived_scenario_ids],
            already_published=out.already_published,
        )


@strawberry.type(description="A REPAIR scenario was created and queued for solving.")
class RepairScenarioSuccess:
    scenario: ScenarioType = strawberry.field(description="The new REPAIR scenario (QUEUED).")
    accounts: int = strawberry.field(description="Accounts in its scope.")

    @classmethod
    def from_domain(cls, scenario: Scenario) -> Self:
        """Map the domain value."""
        return cls(
            scenario=ScenarioType.from_domain(scenario),
            accounts=len(scenario.parameters.scope.account_ids),
        )


PublishScenarioPayload = Annotated[
    PublishScenarioSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PublishScenarioPayload"),
]
RepairScenarioPayload = Annotated[
    RepairScenarioSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RepairScenarioPayload"),
]
