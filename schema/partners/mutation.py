"""Partner mutations: thin wrappers from inputs to the repository and back to payloads."""

from __future__ import annotations

import strawberry

from db import models
from db.repositories import partners
from schema.common.errors import attempt, prefixed
from schema.common.ids import decode_id
from schema.context import Info
from schema.partners.inputs import (
    CompetencyInput,
    CreatePartnerInput,
    UpdatePartnerInput,
    competencies_to_domain,
)
from schema.partners.payloads import PartnerPayload, PartnerSuccess
from schema.partners.types import Partner


def _success(partner: models.Partner) -> PartnerSuccess:
    return PartnerSuccess(partner=Partner.from_domain(partner))


@strawberry.type
class PartnerMutation:
    """Write fields of the Partner feature; each returns a union payload."""

    @strawberry.mutation(description="Create a partner (names are unique, case-insensitive).")
    async def create_partner(self, info: Info, input: CreatePartnerInput) -> PartnerPayload:
        """Create a partner (names are unique, case-insensitive)."""

        async def work() -> PartnerSuccess:
            with prefixed("input"):
                return _success(await partners.create(info.context.pool, input.to_domain()))

        return await attempt(work)

    @strawberry.mutation(description="Change a partner's fields.")
    async def update_partner(
        self, info: Info, id: strawberry.ID, input: UpdatePartnerInput
    ) -> PartnerPayload:
        """Change a partner's fields."""

        async def work() -> PartnerSuccess:
            partner_id = decode_id(id, "Partner")
            with prefixed("input"):
                patch = input.to_domain()
                return _success(await partners.update(info.context.pool, partner_id, patch))

        return await attempt(work)

    @strawberry.mutation(description="Replace the territories a partner serves.")
    async def set_partner_territories(
        self, info: Info, id: strawberry.ID, territory_ids: list[strawberry.ID]
    ) -> PartnerPayload:
        """Replace the territories a partner serves."""

        async def work() -> PartnerSuccess:
            partner_id = decode_id(id, "Partner")
            ids = [
                decode_id(t, "Territory", f"territory_ids.{i}") for i, t in enumerate(territory_ids)
            ]
            return _success(await partners.set_territories(info.context.pool, partner_id, ids))

        return await attempt(work)

    @strawberry.mutation(description="Replace a partner's attach rates per product line.")
    async def set_partner_competencies(
        self, info: Info, id: strawberry.ID, competencies: list[CompetencyInput]
    ) -> PartnerPayload:
        """Replace a partner's attach rates per product line."""

        async def work() -> PartnerSuccess:
            partner_id = decode_id(id, "Partner")
            values = competencies_to_domain(competencies)
            return _success(await partners.set_competencies(info.context.pool, partner_id, values))

        return await attempt(work)

    @strawberry.mutation(description="Mark a partner inactive: no longer eligible for accounts.")
    async def deactivate_partner(self, info: Info, id: strawberry.ID) -> PartnerPayload:
        """Mark a partner inactive: no longer eligible for accounts."""

        async def work() -> PartnerSuccess:
            partner_id = decode_id(id, "Partner")
            return _success(await partners.deactivate(info.context.pool, partner_id))

        return await attempt(work)
