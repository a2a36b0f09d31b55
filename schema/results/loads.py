"""Per-partner and per-specialist loads of a result, and the unassigned accounts."""

from __future__ import annotations

from typing import Self

import strawberry

from db.results import models
from schema.accounts.types import Account
from schema.context import Info
from schema.partners.types import Partner
from schema.results.enums import UnassignedReason
from schema.specialists.types import Specialist

SHADOW = "Objective cents gained per extra unit of capacity (linear relaxation dual)."


@strawberry.type(description="A partner's load in a result against its capacity.")
class PartnerLoad:
    load: float = strawberry.field(description="Workload units assigned.")
    capacity: float = strawberry.field(description="Capacity the solve used (with overrides).")
    utilisation: float | None = strawberry.field(description="load / capacity; null if 0.")
    shadow_price: float | None = strawberry.field(description=SHADOW)
    partner_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, load: models.Load) -> Self:
        """Map the domain value."""
        return cls(
            load=load.load,
            capacity=load.capacity,
            utilisation=load.utilisation,
            shadow_price=load.shadow_price,
            partner_id=load.id,
        )

    @strawberry.field
    async def partner(self, info: Info) -> Partner:
        found = await info.context.loaders.partners.load(self.partner_id)
        assert found is not None  # foreign key
        return Partner.from_domain(found)


@strawberry.type(description="A specialist's load (accounts) in a result against capacity.")
class SpecialistLoad:
    load: int = strawberry.field(description="Accounts assigned.")
    capacity: int
    utilisation: float | None = strawberry.field(description="load / capacity; null if 0.")
    shadow_price: float | None = strawberry.field(description=SHADOW)
    specialist_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, load: models.Load) -> Self:
        """Map the domain value."""
        return cls(
            load=round(load.load),
            capacity=round(load.capacity),
            utilisation=load.utilisation,
            shadow_price=load.shadow_price,
            specialist_id=load.id,
        )

    @strawberry.field
    async def specialist(self, info: Info) -> Specialist:
        found = await info.context.loaders.specialists.load(self.specialist_id)
        assert found is not None  # foreign key
        return Specialist.from_domain(found)


@strawberry.type(description="An account in scope that the result leaves without a partner.")
class UnassignedAccount:
    reason: UnassignedReason
    detail: str | None
    account_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, row: models.Unassigned) -> Self:
        """Map the domain value."""
        return cls(reason=row.reason, detail=row.detail, account_id=row.account_id)

    @strawberry.field
    async def account(self, info: Info) -> Account:
        found = await info.context.loaders.accounts.load(self.account_id)
        assert found is not None  # foreign key
        return Account.from_domain(found)
