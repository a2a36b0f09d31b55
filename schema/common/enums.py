"""The domain enums registered as GraphQL enums (same names and values, same classes)."""

from __future__ import annotations

import strawberry

from db import inputs, models

strawberry.enum(models.Track, description="Partner programme track.")
strawberry.enum(models.Tier, description="Partner tier: SILVER < GOLD < PLATINUM.")
strawberry.enum(
    models.Coverage, description="NAMED: covered by direct sales; UNNAMED: released to partners."
)
strawberry.enum(models.Segment, description="Account size segment.")
strawberry.enum(models.BusinessUnit, description="Business unit of a product line.")
strawberry.enum(inputs.AccountOrder, description="Orders of the account list.")

Track = models.Track
Tier = models.Tier
Coverage = models.Coverage
Segment = models.Segment
BusinessUnit = models.BusinessUnit
AccountOrder = inputs.AccountOrder
