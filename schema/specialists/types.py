"""The Specialist type."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from db import models
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.context import Info

if TYPE_CHECKING:
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
    async def territory(
        self, info: Info
    ) -> Annotated[Territory, strawberry.lazy("schema.territories.types")]:
        """Resolve ``territory``."""
        from schema.territories.types import Territory

        found = await info.context.loaders.territories.load(self.territory_id)
        assert found is not None  # foreign key
        return Territory.from_domain(found)

    @strawberry.field
    async def product_line(
        self, info: Info
    ) -> Annotated[ProductLine, strawberry.lazy("schema.product_lines.types")]:
        """Resolve ``productLine``."""
        from schema.product_lines.types import ProductLine

        found = await info.context.loaders.product_lines.load(self.product_line_id)
        assert found is not None  # foreign key
        return ProductLine.from_domain(found)
