"""Scenario domain values: status machine, the Scenario row, inputs and filters.

    DRAFT -> QUEUED -> SOLVING -> SOLVED -> PUBLISHED -> ARCHIVED
                  \\-> CANCELLED     \\-> FAILED / CANCELLED

A cancelled solve that had found an allocation ends SOLVED with ``stopped_early``; CANCELLED
means it was stopped before any allocation existed. SOLVED, FAILED and CANCELLED scenarios
may be solved again; any status but PUBLISHED may be archived (publishing supersedes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from db import validation as v
from db.models import KEEP, Patch
from db.scenarios.parameters import (
    AccountPartner,
    CapacityOverride,
    Policy,
    ScenarioParameters,
    Scope,
    ScopeCoverage,
    TierFloor,
)

__all__ = [
    "AccountPartner",
    "CapacityOverride",
    "NewScenario",
    "Policy",
    "Scenario",
    "ScenarioFilter",
    "ScenarioKind",
    "ScenarioParameters",
    "ScenarioPatch",
    "ScenarioStatus",
    "Scope",
    "ScopeCoverage",
    "TierFloor",
    "Transition",
]


class ScenarioStatus(StrEnum):
    """Where a scenario is in its life."""

    DRAFT = "DRAFT"
    QUEUED = "QUEUED"
    SOLVING = "SOLVING"
    SOLVED = "SOLVED"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class ScenarioKind(StrEnum):
    """PLAN: a planner's what-if; REPAIR: re-allocates declined or orphaned accounts."""

    PLAN = "PLAN"
    REPAIR = "REPAIR"


S = ScenarioStatus
ALLOWED: dict[ScenarioStatus, frozenset[ScenarioStatus]] = {
    S.DRAFT: frozenset({S.QUEUED, S.ARCHIVED}),
    S.QUEUED: frozenset({S.SOLVING, S.CANCELLED, S.FAILED}),
    S.SOLVING: frozenset({S.SOLVED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.SOLVED: frozenset({S.QUEUED, S.PUBLISHED, S.ARCHIVED}),
    S.PUBLISHED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
    S.FAILED: frozenset({S.QUEUED, S.ARCHIVED}),
    S.CANCELLED: frozenset({S.QUEUED, S.ARCHIVED}),
}
"""Transitions the repository accepts (SOLVING -> QUEUED: a re-run after a worker died)."""

TERMINAL_SOLVE: frozenset[ScenarioStatus] = frozenset({S.SOLVED, S.FAILED, S.CANCELLED})
"""Statuses in which a solve has ended (a progress stream stops there)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario row: definition, status and solve outcome."""

    id: int
    name: str
    description: str
    kind: ScenarioKind
    status: ScenarioStatus
    parameters: ScenarioParameters
    parent_id: int | None
    created_by: str
    version: int
    solver_status: str | None
    objective_cents: int | None
    bound_cents: int | None
    gap: float | None
    runtime_s: float | None
    stopped_early: bool
    conflicts: tuple[str, ...]
    failure_reason: str | None
    solve_stats: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    progress: dict[str, Any] | None = None
    cancel_requested: bool = False
    solve_attempts: int = 0

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Scenario:
        """Map a ``scenarios`` row."""
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            kind=ScenarioKind(row["kind"]),
            status=ScenarioStatus(row["status"]),
            parameters=ScenarioParameters.from_json(row["parameters"] or {}),
            parent_id=row["parent_id"],
            created_by=row["created_by"],
            version=row["version"],
            solver_status=row["solver_status"],
            objective_cents=row["objective_cents"],
            bound_cents=row["bound_cents"],
            gap=row["gap"],
            runtime_s=row["runtime_s"],
            stopped_early=row["stopped_early"],
            conflicts=tuple(row["conflicts"]),
            failure_reason=row["failure_reason"],
            solve_stats=row["solve_stats"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            progress=row["progress"],
            cancel_requested=row["cancel_requested"],
            solve_attempts=row["solve_attempts"],
        )


@dataclass(frozen=True, slots=True)
class Transition:
    """One stored status change of a scenario, with its time."""

    from_status: ScenarioStatus | None
    to_status: ScenarioStatus
    detail: str | None
    at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Transition:
        """Map a ``scenario_transitions`` row."""
        before = row["from_status"]
        return cls(
            ScenarioStatus(before) if before else None,
            ScenarioStatus(row["to_status"]),
            row["detail"],
            row["at"],
        )


@dataclass(frozen=True, slots=True)
class NewScenario:
    """A scenario to create (DRAFT)."""

    name: str
    created_by: str
    description: str = ""
    parameters: ScenarioParameters = field(default_factory=ScenarioParameters)
    kind: ScenarioKind = ScenarioKind.PLAN
    parent_id: int | None = None

    def __post_init__(self) -> None:
        v.text("name", self.name)
        v.text("created_by", self.created_by)
        v.text("description", self.description, max_length=2000, min_length=0)


@dataclass(frozen=True, slots=True)
class ScenarioPatch:
    """Changes to a DRAFT scenario; ``KEEP`` leaves a field as it is."""

    name: Patch[str] = KEEP
    description: Patch[str] = KEEP
    parameters: Patch[ScenarioParameters] = KEEP

    def __post_init__(self) -> None:
        if self.name is not KEEP:
            v.text("name", self.name)
        if self.description is not KEEP:
            v.text("description", self.description, max_length=2000, min_length=0)


@dataclass(frozen=True, slots=True)
class ScenarioFilter:
    """List filters, combined with AND."""

    status: ScenarioStatus | None = None
    created_by: str | None = None
