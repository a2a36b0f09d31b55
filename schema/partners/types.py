"""The Partner type with its territories and competencies (batched through DataLoaders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry

from db import models
from schema.common.enums import Tier, Track
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.prefetch import now_or_later
from schema.context import Info
from schema.product_lines.types import ProductLine
from schema.territories.types import Territory


@strawberry.type(description="A partner's attach rate for one product line.")
class Competency:
    """A partner's attach rate for one product line."""

    attach_rate: float = strawberry.field(description="Share of whitespace it converts, 0..1.")
    product_line: ProductLine

    @classmethod
    def from_domain(cls, competency: models.PartnerCompetency, line: models.ProductLine) -> Self:
        """Map the domain values (the line comes resolved with the competency, in one batch)."""
        return cls(attach_rate=float(competency.attach_rate), product_line=ProductLine.shared(line))

    @classmethod
    def from_pairs(
        cls, pairs: list[tuple[models.PartnerCompetency, models.ProductLine]]
    ) -> list[Self]:
        """Map a loader's (competency, line) pairs: ``from_domain`` inlined (hundreds a page)."""
        shared = ProductLine.shared
        return [
            cls(attach_rate=float(competency.attach_rate), product_line=shared(line))
            for competency, line in pairs
        ]


@strawberry.type(description="A channel partner.")
class Partner(Node):
    """A channel partner."""

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

    @classmethod
    def from_optional(cls, partner: models.Partner | None) -> Self | None:
        """Map a loaded partner that may be missing."""
        return cls.from_domain(partner) if partner is not None else None

    @classmethod
    def from_list(cls, partners: list[models.Partner]) -> list[Self]:
        """Map a loaded list of partners."""
        return [cls.from_domain(p) for p in partners]

    @strawberry.field(description="Territories it serves, by code.")
    def territories(
        self, info: Info
    ) -> list[Annotated[Territory, strawberry.lazy("schema.territories.types")]]:
        """Territories it serves, by code."""
        return now_or_later(
            info.context.loaders.partner_territories, self.db_id, Territory.from_list
        )

    @strawberry.field(description="Attach rates per product line.")
    def competencies(self, info: Info) -> list[Competency]:
        """Attach rates per product line."""
        return now_or_later(
            info.context.loaders.partner_competencies, self.db_id, Competency.from_pairs
        )
