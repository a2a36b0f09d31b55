"""Partner inputs: filters and mutation inputs, each turned into a validated domain value."""

from __future__ import annotations

import strawberry

from db.inputs import CompetencyValue, NewPartner, PartnerFilter, PartnerPatch
from db.models import KEEP
from db.validation import RATE_RULE, rate
from schema.common.enums import Tier, Track
from schema.common.ids import decode_id, decode_optional


@strawberry.input(description="Partners with at least this attach rate in a product line.")
class CompetencyFilterInput:
    """Partners with at least this attach rate in a product line."""

    product_line_id: strawberry.ID
    min_rate: float = 0.0


@strawberry.input(description="Partner list filters; all optional, combined with AND.")
class PartnerFilterInput:
    """Partner list filters; all optional, combined with AND."""

    track: Track | None = None
    tier: Tier | None = None
    territory_id: strawberry.ID | None = None
    competency: CompetencyFilterInput | None = None
    active: bool | None = None
    name_search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name."
    )

    def to_domain(self) -> PartnerFilter:
        """The domain filter (raises Invalid naming the field)."""
        competency = self.competency
        return PartnerFilter(
            track=self.track,
            tier=self.tier,
            territory_id=decode_optional(self.territory_id, "Territory", "territory_id"),
            competency_line_id=decode_id(
                competency.product_line_id, "ProductLine", "competency.product_line_id"
            )
            if competency is not None
            else None,
            min_rate=rate("competency.min_rate", competency.min_rate)
            if competency is not None
            else None,
            active=self.active,
            name_search=self.name_search,
        )


@strawberry.input
class CreatePartnerInput:
    """GraphQL input ``CreatePartnerInput``."""

    name: str
    track: Track
    tier: Tier
    capacity: int
    active: bool = True

    def to_domain(self) -> NewPartner:
        """The validated domain value."""
        return NewPartner(self.name, self.track, self.tier, self.capacity, self.active)


@strawberry.input(description="Fields to change; omitted or null fields stay as they are.")
class UpdatePartnerInput:
    """Fields to change; omitted or null fields stay as they are."""

    name: str | None = None
    track: Track | None = None
    tier: Tier | None = None
    capacity: int | None = None
    active: bool | None = None

    def to_domain(self) -> PartnerPatch:
        """The validated domain patch."""
        return PartnerPatch(
            name=KEEP if self.name is None else self.name,
            track=KEEP if self.track is None else self.track,
            tier=KEEP if self.tier is None else self.tier,
            capacity=KEEP if self.capacity is None else self.capacity,
            active=KEEP if self.active is None else self.active,
        )


@strawberry.input(description="One product line's attach rate, in [0, 1].")
class CompetencyInput:
    """One product line's attach rate, in [0, 1]."""

    product_line_id: strawberry.ID
    attach_rate: float = strawberry.field(
        description="Share of whitespace it converts. " + RATE_RULE
    )


def competencies_to_domain(items: list[CompetencyInput]) -> list[CompetencyValue]:
    """Validated competency values; errors name ``competencies.<index>.<field>``."""
    return [
        CompetencyValue.of(
            decode_id(c.product_line_id, "ProductLine", f"competencies.{i}.product_line_id"),
            c.attach_rate,
            i,
        )
        for i, c in enumerate(items)
    ]
