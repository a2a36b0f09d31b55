"""Scenario enums registered as GraphQL enums (same classes as the domain's)."""

from __future__ import annotations

import strawberry

from db.scenarios import models

strawberry.enum(
    models.ScenarioStatus,
    description="DRAFT -> QUEUED -> SOLVING -> SOLVED -> PUBLISHED -> ARCHIVED; FAILED, CANCELLED.",
)
strawberry.enum(models.ScenarioKind, description="PLAN: a what-if; REPAIR: re-allocation.")
strawberry.enum(
    models.ScopeCoverage, description="Accounts in scope by coverage (default UNNAMED)."
)

ScenarioStatus = models.ScenarioStatus
ScenarioKind = models.ScenarioKind
ScopeCoverage = models.ScopeCoverage
