"""The Scenario type, its status history and the solve progress event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from db.scenarios import models as m
from db.scenarios import repository
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.scalars import Cents
from schema.context import Info
from schema.scenarios.enums import ScenarioKind, ScenarioStatus
from schema.scenarios.parameters import ScenarioParameters

if TYPE_CHECKING:
    from schema.results.types import ScenarioResult


@strawberry.type(description="One status change of a scenario, with its time.")
class ScenarioTransition:
    from_status: ScenarioStatus | None
    to_status: ScenarioStatus
    detail: str | None
    at: datetime


@strawberry.type(description="A solve's state: status and, while solving, the latest numbers.")
class SolveProgress:
    scenario_id: strawberry.ID
    status: ScenarioStatus
    incumbent: float | None = strawberry.field(description="Best objective so far (cents).")
    bound: float | None = strawberry.field(description="Proven upper bound (cents).")
    gap: float | None = strawberry.field(description="(bound - incumbent) / bound.")
    elapsed_s: float | None
    stopped_early: bool = False

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Self:
        """Map a progress event (``db.scenarios.watch``)."""

        def num(key: str) -> float | None:
            value = event.get(key)
            return None if value is None else float(value)

        return cls(
            scenario_id=strawberry.ID(encode_id("Scenario", int(event["scenario_id"]))),
            status=m.ScenarioStatus(event["status"]),
            incumbent=num("incumbent"),
            bound=num("bound"),
            gap=num("gap"),
            elapsed_s=num("elapsed_s"),
            stopped_early=bool(event.get("stopped_early", False)),
        )


@strawberry.type(description="A planning scenario: what to solve, its status and solve outcome.")
class Scenario(Node):
    name: str
    description: str
    kind: ScenarioKind
    status: ScenarioStatus
    parameters: ScenarioParameters
    created_by: str
    version: int
    solver_status: str | None = strawberry.field(
        description="OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN once solved."
    )
    objective_cents: Cents | None
    bound_cents: Cents | None
    gap: float | None
    runtime_s: float | None
    stopped_early: bool = strawberry.field(
        description="The solve was cancelled: the result is the best allocation found by then."
    )
    conflicts: list[str] = strawberry.field(description="Named conflicts when INFEASIBLE.")
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[int]
    parent_db_id: strawberry.Private[int | None]
    domain: strawberry.Private[m.Scenario]

    @classmethod
    def from_domain(cls, s: m.Scenario) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("Scenario", s.id)),
            name=s.name,
            description=s.description,
            kind=s.kind,
            status=s.status,
            parameters=ScenarioParameters.from_domain(s.parameters),
            created_by=s.created_by,
            version=s.version,
            solver_status=s.solver_status,
            objective_cents=None if s.objective_cents is None else Cents(s.objective_cents),
            bound_cents=None if s.bound_cents is None else Cents(s.bound_cents),
            gap=s.gap,
            runtime_s=s.runtime_s,
            stopped_early=s.stopped_early,
            conflicts=list(s.conflicts),
            failure_reason=s.failure_reason,
            created_at=s.created_at,
            updated_at=s.updated_at,
            db_id=s.id,
            parent_db_id=s.parent_id,
            domain=s,
        )

    @strawberry.field(description="The scenario this one was cloned from (or repairs).")
    async def parent(self, info: Info) -> Scenario | None:
        if self.parent_db_id is None:
            return None
        found = await repository.get_many(info.context.pool, [self.parent_db_id])
        return None if found[0] is None else Scenario.from_domain(found[0])

    @strawberry.field(description="The solve's result; null before the first solve.")
    def result(self) -> Annotated[ScenarioResult, strawberry.lazy("schema.results.types")] | None:
        from schema.results.types import ScenarioResult

        return ScenarioResult.for_scenario(self.domain)

    @strawberry.field(description="Status history, oldest first.")
    async def transitions(self, info: Info) -> list[ScenarioTransition]:
        rows = await repository.transitions(info.context.pool, self.db_id)
        return [
            ScenarioTransition(
                from_status=t.from_status, to_status=t.to_status, detail=t.detail, at=t.at
            )
            for t in rows
        ]

    @strawberry.field(description="The current solve state (what a subscription starts with).")
    def progress(self) -> SolveProgress:
        from db.scenarios.watch import snapshot

        return SolveProgress.from_event(snapshot(self.domain))

    @strawberry.field(description="Phase timings and sizes of the last solve, as JSON text.")
    def solve_stats(self) -> str | None:
        import json

        stats = self.domain.solve_stats
        return None if stats is None else json.dumps(stats, sort_keys=True)
