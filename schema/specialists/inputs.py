"""Specialist inputs, each turned into a validated domain value."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from db.inputs import NewSpecialist, SpecialistPatch
from db.models import KEEP
from db.validation import RATE_RULE
from schema.common.ids import decode_id


@strawberry.input
class CreateSpecialistInput:
    """GraphQL input ``CreateSpecialistInput``."""

    name: str
    territory_id: strawberry.ID
    product_line_id: strawberry.ID
    capacity: int
    lift: float = strawberry.field(description="Attach rate they add. " + RATE_RULE)
    email: str | None = None

    def to_domain(self) -> NewSpecialist:
        """The validated domain value."""
        return NewSpecialist(
            name=self.name,
            territory_id=decode_id(self.territory_id, "Territory", "territory_id"),
            product_line_id=decode_id(self.product_line_id, "ProductLine", "product_line_id"),
            capacity=self.capacity,
            lift=Decimal(str(self.lift)),
            email=self.email,
        )


@strawberry.input(description="Fields to change; omitted fields stay. `email: null` clears it.")
class UpdateSpecialistInput:
    """Fields to change; omitted fields stay. `email: null` clears it."""

    name: str | None = None
    territory_id: strawberry.ID | None = None
    product_line_id: strawberry.ID | None = None
    capacity: int | None = None
    lift: float | None = strawberry.field(
        default=None, description="Attach rate they add. " + RATE_RULE
    )
    email: str | None = strawberry.UNSET

    def to_domain(self) -> SpecialistPatch:
        """The validated domain patch."""
        return SpecialistPatch(
            name=KEEP if self.name is None else self.name,
            territory_id=KEEP
            if self.territory_id is None
            else decode_id(self.territory_id, "Territory", "territory_id"),
            product_line_id=KEEP
            if self.product_line_id is None
            else decode_id(self.product_line_id, "ProductLine", "product_line_id"),
            capacity=KEEP if self.capacity is None else self.capacity,
            lift=KEEP if self.lift is None else Decimal(str(self.lift)),
            email=KEEP if self.email is strawberry.UNSET else self.email,
        )
