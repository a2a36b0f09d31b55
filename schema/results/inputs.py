"""Result inputs: the assignment filter, turned into the domain filter."""

from __future__ import annotations

import strawberry

from db.results.models import AssignmentFilter
from schema.common.enums import Tier, Track
from schema.common.ids import decode_optional


@strawberry.input(description="Assignment filters; all optional, combined with AND.")
class AssignmentFilterInput:
    partner_id: strawberry.ID | None = None
    territory_id: strawberry.ID | None = strawberry.field(
        default=None, description="The account's territory."
    )
    track: Track | None = strawberry.field(default=None, description="The partner's track.")
    tier: Tier | None = strawberry.field(default=None, description="The partner's tier.")

    def to_domain(self) -> AssignmentFilter:
        """The domain filter (raises Invalid naming the field)."""
        return AssignmentFilter(
            partner_id=decode_optional(self.partner_id, "Partner", "partner_id"),
            territory_id=decode_optional(self.territory_id, "Territory", "territory_id"),
            track=self.track,
            tier=self.tier,
        )
