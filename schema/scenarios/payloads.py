"""Scenario mutation payloads: the scenario, or an error member naming what went wrong."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.errors import ConflictError, NotFoundError, ValidationError
from schema.scenarios.types import Scenario


@strawberry.type(description="The scenario as written.")
class ScenarioSuccess:
    scenario: Scenario


@strawberry.type(description="The scenario was deleted.")
class DeleteScenarioSuccess:
    deleted_id: strawberry.ID


ScenarioPayload = Annotated[
    ScenarioSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ScenarioPayload"),
]
DeleteScenarioPayload = Annotated[
    DeleteScenarioSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DeleteScenarioPayload"),
]
