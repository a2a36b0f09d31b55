"""Frozen values read from a solved scenario's result tables (migration 0002).

Money is integer cents; loads and capacities are the solver's units (workload units for
partners, accounts for specialists); shadow prices are cents of objective per extra unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from db.models import Tier, Track


class UnassignedReason(StrEnum):
    """Why the solver left an account without a partner."""

    NO_ELIGIBLE_PARTNER = "NO_ELIGIBLE_PARTNER"
    CAPACITY = "CAPACITY"
    NOT_WORTH_IT = "NOT_WORTH_IT"


class AssignmentOrder(StrEnum):
    """Orders of a scenario's assignment list (ties broken by account id)."""

    EXPECTED_REVENUE_DESC = "EXPECTED_REVENUE_DESC"
    EXPECTED_REVENUE_ASC = "EXPECTED_REVENUE_ASC"


class Dimension(StrEnum):
    """What a KPI breakdown groups by: the account's territory, the partner's track or tier."""

    TERRITORY = "TERRITORY"
    TRACK = "TRACK"
    TIER = "TIER"


@dataclass(frozen=True, slots=True)
class AssignmentFilter:
    """Filters of the assignment list, combined with AND (None: no filter)."""

    partner_id: int | None = None
    territory_id: int | None = None
    track: Track | None = None
    tier: Tier | None = None


@dataclass(frozen=True, slots=True)
class ScenarioAssignment:
    """One account's allocation in a scenario's result."""

    scenario_id: int
    account_id: int
    partner_id: int
    specialist_ids: tuple[int, ...]
    expected_revenue_cents: int
    next_best_partner_id: int | None
    regret_cents: int | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ScenarioAssignment:
        """Map a ``scenario_assignments`` row."""
        return cls(
            row["scenario_id"],
            row["account_id"],
            row["partner_id"],
            tuple(row["specialist_ids"]),
            row["expected_revenue_cents"],
            row["next_best_partner_id"],
            row["regret_cents"],
        )


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An account in scope the result leaves without a partner, and why."""

    account_id: int
    reason: UnassignedReason
    detail: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Unassigned:
        """Map a ``scenario_unassigned`` row."""
        return cls(row["account_id"], UnassignedReason(row["reason"]), row["detail"])


@dataclass(frozen=True, slots=True)
class Load:
    """A partner's or specialist's load against its capacity in a result."""

    id: int
    load: float
    capacity: float
    shadow_price: float | None

    @property
    def utilisation(self) -> float | None:
        """load / capacity; None when the capacity is 0."""
        return self.load / self.capacity if self.capacity > 0 else None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One group of a KPI breakdown: assigned accounts, their revenue and whitespace."""

    dimension: Dimension
    key: str  # territory code, track or tier
    accounts: int
    expected_revenue_cents: int
    whitespace_cents: int


@dataclass(frozen=True, slots=True)
class Kpis:
    """Headline figures of a result; coverage counts the scope (assigned + unassigned)."""

    total_expected_revenue_cents: int
    scope_accounts: int
    assigned_accounts: int
    scope_whitespace_cents: int
    covered_whitespace_cents: int
    partner_load: float
    partner_capacity: float
    specialist_load: float
    specialist_capacity: float
    breakdown: tuple[Breakdown, ...]

    @property
    def account_coverage(self) -> float:
        """Share of the scope's accounts that got a partner (0 for an empty scope)."""
        return self.assigned_accounts / self.scope_accounts if self.scope_accounts else 0.0

    @property
    def whitespace_coverage(self) -> float:
        """Share of the scope's whitespace held by assigned accounts."""
        if not self.scope_whitespace_cents:
            return 0.0
        return self.covered_whitespace_cents / self.scope_whitespace_cents

    @property
    def partner_utilisation(self) -> float:
        """Total partner load over total partner capacity (0 when there is no capacity)."""
        return self.partner_load / self.partner_capacity if self.partner_capacity else 0.0

    @property
    def specialist_utilisation(self) -> float:
        """Total specialist load over total specialist capacity."""
        return self.specialist_load / self.specialist_capacity if self.specialist_capacity else 0.0

    def by(self, dimension: Dimension) -> list[Breakdown]:
        """The groups of one dimension, ordered by key."""
        return [b for b in self.breakdown if b.dimension is dimension]


@dataclass(frozen=True, slots=True)
class Move:
    """An account whose partner differs between two results (None: not assigned there)."""

    account_id: int
    from_partner_id: int | None
    to_partner_id: int | None
    base_revenue_cents: int
    other_revenue_cents: int

    @property
    def revenue_delta_cents(self) -> int:
        """Other minus base expected revenue."""
        return self.other_revenue_cents - self.base_revenue_cents


@dataclass(frozen=True, slots=True)
class BreakdownDelta:
    """One group of a breakdown in two results and the change from base to other."""

    dimension: Dimension
    key: str
    base_accounts: int
    other_accounts: int
    base_revenue_cents: int
    other_revenue_cents: int

    @property
    def accounts_delta(self) -> int:
        """Other minus base assigned accounts."""
        return self.other_accounts - self.base_accounts

    @property
    def revenue_delta_cents(self) -> int:
        """Other minus base expected revenue."""
        return self.other_revenue_cents - self.base_revenue_cents


@dataclass(frozen=True, slots=True)
class Comparison:
    """Headline KPIs of both results, the number of moves and the breakdown deltas."""

    base_id: int
    other_id: int
    base: Kpis
    other: Kpis
    moved_accounts: int
    deltas: tuple[BreakdownDelta, ...]

    def by(self, dimension: Dimension) -> list[BreakdownDelta]:
        """The deltas of one dimension, ordered by key."""
        return [d for d in self.deltas if d.dimension is dimension]
