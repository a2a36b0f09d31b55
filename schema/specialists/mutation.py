"""Specialist mutations."""

from __future__ import annotations

import strawberry

from db.repositories import specialists
from schema.common.errors import attempt, prefixed
from schema.common.ids import decode_id
from schema.context import Info
from schema.specialists.inputs import CreateSpecialistInput, UpdateSpecialistInput
from schema.specialists.payloads import SpecialistPayload, SpecialistSuccess
from schema.specialists.types import Specialist


@strawberry.type
class SpecialistMutation:
    """Write fields of the Specialist feature; each returns a union payload."""

    @strawberry.mutation(description="Create a specialist.")
    async def create_specialist(
        self, info: Info, input: CreateSpecialistInput
    ) -> SpecialistPayload:
        """Create a specialist."""

        async def work() -> SpecialistSuccess:
            with prefixed("input"):
                created = await specialists.create(info.context.pool, input.to_domain())
            return SpecialistSuccess(specialist=Specialist.from_domain(created))

        return await attempt(work)

    @strawberry.mutation(description="Change a specialist's fields.")
    async def update_specialist(
        self, info: Info, id: strawberry.ID, input: UpdateSpecialistInput
    ) -> SpecialistPayload:
        """Change a specialist's fields."""

        async def work() -> SpecialistSuccess:
            specialist_id = decode_id(id, "Specialist")
            with prefixed("input"):
                patch = input.to_domain()
                updated = await specialists.update(info.context.pool, specialist_id, patch)
            return SpecialistSuccess(specialist=Specialist.from_domain(updated))

        return await attempt(work)
