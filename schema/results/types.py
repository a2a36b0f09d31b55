"""ScenarioResult and Assignment: a solved scenario's outcome, read lazily field by field.

``ScenarioResult.for_scenario(scenario)`` is what the pipeline's ``Scenario.result`` field
returns; each list or KPI field runs its own queries only when asked for.
"""

from __future__ import annotations

from typing import Self

import strawberry

from db.results import assignments as result_rows
from db.results import kpis as result_kpis
from db.results.models import AssignmentFilter, ScenarioAssignment
from db.scenarios.models import Scenario
from schema.accounts.types import Account
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.errors import as_user_input
from schema.common.scalars import Cents
from schema.context import Info
from schema.partners.types import Partner
from schema.results.enums import AssignmentOrder, SolverStatus
from schema.results.inputs import AssignmentFilterInput
from schema.results.kpis import Kpis
from schema.results.loads import PartnerLoad, SpecialistLoad, UnassignedAccount
from schema.specialists.types import Specialist

UNASSIGNED_ORDER = "ACCOUNT_ID"


@strawberry.type(description="An account's partner and specialists in a result.")
class Assignment:
    expected_revenue_cents: Cents = strawberry.field(
        description="Expected attach revenue with this partner and these specialists."
    )
    regret_cents: Cents | None = strawberry.field(
        description="Revenue given up against the next-best partner (null: no alternative)."
    )
    account_id: strawberry.Private[int]
    partner_id: strawberry.Private[int]
    specialist_ids: strawberry.Private[tuple[int, ...]]
    next_best_partner_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, a: ScenarioAssignment) -> Self:
        """Map the domain value."""
        return cls(
            expected_revenue_cents=Cents(a.expected_revenue_cents),
            regret_cents=None if a.regret_cents is None else Cents(a.regret_cents),
            account_id=a.account_id,
            partner_id=a.partner_id,
            specialist_ids=a.specialist_ids,
            next_best_partner_id=a.next_best_partner_id,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account:
        found = await info.context.loaders.accounts.load(self.account_id)
        assert found is not None  # foreign key
        return Account.from_domain(found)

    @strawberry.field
    async def partner(self, info: Info) -> Partner:
        found = await info.context.loaders.partners.load(self.partner_id)
        assert found is not None  # foreign key
        return Partner.from_domain(found)

    @strawberry.field(description="At most one per product line.")
    async def specialists(self, info: Info) -> list[Specialist]:
        found = await info.context.loaders.specialists.load_many(list(self.specialist_ids))
        return [Specialist.from_domain(s) for s in found if s is not None]

    @strawberry.field(description="The best other partner for this account, if any.")
    async def next_best_partner(self, info: Info) -> Partner | None:
        if self.next_best_partner_id is None:
            return None
        found = await info.context.loaders.partners.load(self.next_best_partner_id)
        return Partner.from_domain(found) if found is not None else None


@strawberry.type(description="The outcome of a solve: figures, allocation, loads and KPIs.")
class ScenarioResult:
    solver_status: SolverStatus
    objective_cents: Cents | None = strawberry.field(description="Expected revenue found.")
    bound_cents: Cents | None = strawberry.field(description="Proven upper bound.")
    gap: float | None = strawberry.field(description="(bound - objective) / bound.")
    runtime_s: float | None = strawberry.field(description="Solve time in seconds.")
    stopped_early: bool = strawberry.field(
        description="Cancelled: the best allocation found until then."
    )
    conflicts: list[str] = strawberry.field(description="Rules in conflict when INFEASIBLE.")
    scenario_id: strawberry.Private[int]

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> Self | None:
        """The result of a scenario, or None when it has never been solved."""
        if scenario.solver_status is None:
            return None
        return cls(
            solver_status=SolverStatus(scenario.solver_status),
            objective_cents=_cents(scenario.objective_cents),
            bound_cents=_cents(scenario.bound_cents),
            gap=scenario.gap,
            runtime_s=scenario.runtime_s,
            stopped_early=scenario.stopped_early,
            conflicts=list(scenario.conflicts),
            scenario_id=scenario.id,
        )

    @strawberry.field(description="Assigned accounts, filtered and ordered; `first` is 1..100.")
    async def assignments(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: AssignmentFilterInput | None = None,
        order: AssignmentOrder = AssignmentOrder.EXPECTED_REVENUE_DESC,
    ) -> Connection[Assignment]:
        check_first(first)
        with as_user_input("filter"):
            f = filter.to_domain() if filter is not None else AssignmentFilter()
        key = decode_cursor(after, order.value, result_rows.KEY_TYPES)
        pool, sid = info.context.pool, self.scenario_id
        page = await result_rows.page(pool, sid, f, order, key, first)
        count = lambda: result_rows.count(pool, sid, f)  # noqa: E731
        return connection(page, Assignment.from_domain, order.value, count, after)

    @strawberry.field(description="Accounts in scope left without a partner, by account.")
    async def unassigned(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[UnassignedAccount]:
        check_first(first)
        key = decode_cursor(after, UNASSIGNED_ORDER, (int,))
        pool, sid = info.context.pool, self.scenario_id
        page = await result_rows.unassigned_page(pool, sid, key, first)
        count = lambda: result_rows.unassigned_count(pool, sid)  # noqa: E731
        return connection(page, UnassignedAccount.from_domain, UNASSIGNED_ORDER, count, after)

    @strawberry.field(description="Every partner's load, capacity and shadow price.")
    async def partner_loads(self, info: Info) -> list[PartnerLoad]:
        loads = await result_rows.partner_loads(info.context.pool, self.scenario_id)
        return [PartnerLoad.from_domain(ld) for ld in loads]

    @strawberry.field(description="Every specialist's load, capacity and shadow price.")
    async def specialist_loads(self, info: Info) -> list[SpecialistLoad]:
        loads = await result_rows.specialist_loads(info.context.pool, self.scenario_id)
        return [SpecialistLoad.from_domain(ld) for ld in loads]

    @strawberry.field(description="Revenue, coverage, utilisation and breakdowns.")
    async def kpis(self, info: Info) -> Kpis:
        return Kpis.from_domain(await result_kpis.kpis(info.context.pool, self.scenario_id))


def _cents(value: int | None) -> Cents | None:
    return None if value is None else Cents(value)
