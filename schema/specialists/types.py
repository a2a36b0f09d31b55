"""The Specialist type."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry

from db import models
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.prefetch import now_or_later
from schema.context import Info
from schema.product_lines.types import ProductLine
from schema.territories.types import Territory


@strawberry.type(description="A product specialist of one line in one territory.")
class Specialist(Node):
    """A product specialist of one line in one territory."""

    name: str
    email: str | None
    capacity: int = strawberry.field(description="How many accounts they can support.")
    lift: float = strawberry.field(description="Attach rate they add to a partner's, 0..1.")
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[int]
    territory_id: strawberry.Private[int]
    product_line_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, specialist: models.Specialist) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("Specialist", specialist.id)),
            name=specialist.name,
            email=specialist.email,
            capacity=specialist.capacity,
            lift=float(specialist.lift),
            created_at=specialist.created_at,
            updated_at=specialist.updated_at,
            db_id=specialist.id,
            territory_id=specialist.territory_id,
            product_line_id=specialist.product_line_id,
        )

    @strawberry.field
    def territory(
        self, info: Info
    ) -> Annotated[Territory, strawberry.lazy("schema.territories.types")]:
        """The territory the specialist works in."""
        return now_or_later(
            info.context.loaders.territories, self.territory_id, Territory.from_loaded
        )

    @strawberry.field
    def product_line(
        self, info: Info
    ) -> Annotated[ProductLine, strawberry.lazy("schema.product_lines.types")]:
        """The product line the specialist knows."""
        return now_or_later(
            info.context.loaders.product_lines, self.product_line_id, ProductLine.from_loaded
        )
