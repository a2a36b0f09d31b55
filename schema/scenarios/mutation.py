"""Scenario mutations: thin wrappers from inputs to the repository and job queue."""

from __future__ import annotations

import strawberry

from db.models import KEEP
from db.scenarios import jobs, repository
from db.scenarios import models as m
from schema.common.errors import attempt, prefixed
from schema.common.ids import decode_id
from schema.context import Info
from schema.scenarios.parameters import ScenarioParametersInput
from schema.scenarios.payloads import (
    DeleteScenarioPayload,
    DeleteScenarioSuccess,
    ScenarioPayload,
    ScenarioSuccess,
)
from schema.scenarios.types import Scenario

ANONYMOUS = "anonymous"


def _creator(info: Info) -> str:
    """The subject of the request's principal (``anonymous`` without authentication)."""
    principal = getattr(info.context, "principal", None)
    subject = getattr(principal, "subject", None)
    return subject if isinstance(subject, str) and subject else ANONYMOUS


def _success(scenario: m.Scenario) -> ScenarioSuccess:
    return ScenarioSuccess(scenario=Scenario.from_domain(scenario))


@strawberry.input
class CreateScenarioInput:
    name: str
    description: str = ""
    parameters: ScenarioParametersInput | None = None


@strawberry.input(description="Fields to change (DRAFT only); omitted fields stay as they are.")
class UpdateScenarioInput:
    name: str | None = None
    description: str | None = None
    parameters: ScenarioParametersInput | None = None


@strawberry.type
class ScenarioMutation:
    @strawberry.mutation(description="Create a DRAFT scenario; parameters default to all UNNAMED.")
    async def create_scenario(self, info: Info, input: CreateScenarioInput) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            with prefixed("input"):
                params = (input.parameters or ScenarioParametersInput()).to_domain()
                new = m.NewScenario(
                    input.name, _creator(info), description=input.description, parameters=params
                )
                return _success(await repository.create(info.context.pool, new))

        return await attempt(work)

    @strawberry.mutation(description="Change a DRAFT scenario.")
    async def update_scenario(
        self, info: Info, id: strawberry.ID, input: UpdateScenarioInput
    ) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            sid = decode_id(id, "Scenario")
            with prefixed("input"):
                patch = m.ScenarioPatch(
                    name=KEEP if input.name is None else input.name,
                    description=KEEP if input.description is None else input.description,
                    parameters=KEEP if input.parameters is None else input.parameters.to_domain(),
                )
                return _success(await repository.update(info.context.pool, sid, patch))

        return await attempt(work)

    @strawberry.mutation(description="Copy a scenario's definition into a new DRAFT.")
    async def clone_scenario(
        self, info: Info, id: strawberry.ID, name: str | None = None
    ) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            sid = decode_id(id, "Scenario")
            return _success(await repository.clone(info.context.pool, sid, _creator(info), name))

        return await attempt(work)

    @strawberry.mutation(description="Archive a scenario (not while it is queued or solving).")
    async def archive_scenario(self, info: Info, id: strawberry.ID) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            return _success(await repository.archive(info.context.pool, decode_id(id, "Scenario")))

        return await attempt(work)

    @strawberry.mutation(description="Delete a DRAFT scenario.")
    async def delete_scenario(self, info: Info, id: strawberry.ID) -> DeleteScenarioPayload:
        async def work() -> DeleteScenarioSuccess:
            await repository.delete(info.context.pool, decode_id(id, "Scenario"))
            return DeleteScenarioSuccess(deleted_id=id)

        return await attempt(work)

    @strawberry.mutation(description="Queue a durable solve job (QUEUED); a worker solves it.")
    async def solve_scenario(self, info: Info, id: strawberry.ID) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            return _success(await jobs.enqueue(info.context.pool, decode_id(id, "Scenario")))

        return await attempt(work)

    @strawberry.mutation(
        description="Stop a queued or running solve; a running one keeps its best allocation "
        "so far (SOLVED with stoppedEarly) within about 2 s."
    )
    async def cancel_solve(self, info: Info, scenario_id: strawberry.ID) -> ScenarioPayload:
        async def work() -> ScenarioSuccess:
            sid = decode_id(scenario_id, "Scenario", "scenario_id")
            return _success(await jobs.cancel(info.context.pool, sid))

        return await attempt(work)
