"""The Partner type with its territories and competencies (batched through DataLoaders)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from db import models
from schema.common.enums import Tier, Track
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.context import Info

if TYPE_CHECKING:
    from schema.product_lines.types import ProductLine
    from schema.territories.types import Territory


@strawberry.type(description="A partner's attach rate for one product line.")
class Competency:
    attach_rate: float = strawberry.field(description="Share of whitespace it converts, 0..1.")
    product_line_id: strawberry.Private[int]

    @strawberry.field
    async def product_line(
        self, info: Info
    ) -> Annotated[ProductLine, strawberry.lazy("schema.product_lines.types")]:
        from schema.product_lines.types import ProductLine

        line = await info.context.loaders.product_lines.load(self.product_line_id)
        assert line is not None  # foreign key
        return ProductLine.from_domain(line)

    @classmethod
    def from_domain(cls, competency: models.PartnerCompetency) -> Self:
        """Map the domain value."""
        return cls(
            attach_rate=float(competency.attach_rate),
            product_line_id=competency.product_line_id,
        )


@strawberry.type(description="A channel partner.")
class Partner(Node):
    name: str
    track: Track
    tier: Tier
    capacity: int = strawberry.field(description="Workload units it can take.")
    active: bool
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, partner: models.Partner) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("Partner", partner.id)),
            name=partner.name,
            track=partner.track,
            tier=partner.tier,
            capacity=partner.capacity,
            active=partner.active,
            created_at=partner.created_at,
            updated_at=partner.updated_at,
            db_id=partner.id,
        )

    @strawberry.field(description="Territories it serves, by code.")
    async def territories(
        self, info: Info
    ) -> list[Annotated[Territory, strawberry.lazy("schema.territories.types")]]:
        from schema.territories.types import Territory

        found = await info.context.loaders.partner_territories.load(self.db_id)
        return [Territory.from_domain(t) for t in found]

    @strawberry.field(description="Attach rates per product line.")
    async def competencies(self, info: Info) -> list[Competency]:
        found = await info.context.loaders.partner_competencies.load(self.db_id)
        return [Competency.from_domain(c) for c in found]
