"""Enums of the result types (domain enums registered as GraphQL enums, same classes)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from db.results import models


@strawberry.enum(description="How the solve ended: OPTIMAL and FEASIBLE results can be published.")
class SolverStatus(StrEnum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


strawberry.enum(models.UnassignedReason, description="Why an account in scope got no partner.")
strawberry.enum(
    models.AssignmentOrder, description="Orders of a result's assignments (ties: account id)."
)

UnassignedReason = models.UnassignedReason
AssignmentOrder = models.AssignmentOrder
