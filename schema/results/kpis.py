"""KPI types: headline figures of a result and its breakdowns by territory, track and tier."""

from __future__ import annotations

from typing import Self

import strawberry

from db.results import models
from schema.common.scalars import Cents


@strawberry.type(description="One group of a breakdown: assigned accounts and their value.")
class KpiGroup:
    key: str = strawberry.field(description="Territory code, track or tier.")
    accounts: int
    expected_revenue_cents: Cents
    whitespace_cents: Cents = strawberry.field(description="Whitespace of those accounts.")

    @classmethod
    def from_domain(cls, b: models.Breakdown) -> Self:
        """Map the domain value."""
        return cls(
            key=b.key,
            accounts=b.accounts,
            expected_revenue_cents=Cents(b.expected_revenue_cents),
            whitespace_cents=Cents(b.whitespace_cents),
        )


@strawberry.type(description="Headline figures of a result; the scope is assigned + unassigned.")
class Kpis:
    total_expected_revenue_cents: Cents
    scope_accounts: int
    assigned_accounts: int
    unassigned_accounts: int
    account_coverage: float = strawberry.field(description="assigned / scope accounts, 0..1.")
    scope_whitespace_cents: Cents
    covered_whitespace_cents: Cents = strawberry.field(
        description="Whitespace of the assigned accounts."
    )
    whitespace_coverage: float = strawberry.field(description="covered / scope whitespace.")
    partner_utilisation: float = strawberry.field(
        description="Total partner load / total partner capacity."
    )
    specialist_utilisation: float = strawberry.field(
        description="Total specialist load / total specialist capacity."
    )
    by_territory: list[KpiGroup] = strawberry.field(description="By the account's territory.")
    by_track: list[KpiGroup] = strawberry.field(description="By the partner's track.")
    by_tier: list[KpiGroup] = strawberry.field(description="By the partner's tier.")

    @classmethod
    def from_domain(cls, k: models.Kpis) -> Self:
        """Map the domain value."""
        groups = {d: [KpiGroup.from_domain(b) for b in k.by(d)] for d in models.Dimension}
        return cls(
            total_expected_revenue_cents=Cents(k.total_expected_revenue_cents),
            scope_accounts=k.scope_accounts,
            assigned_accounts=k.assigned_accounts,
            unassigned_accounts=k.scope_accounts - k.assigned_accounts,
            account_coverage=k.account_coverage,
            scope_whitespace_cents=Cents(k.scope_whitespace_cents),
            covered_whitespace_cents=Cents(k.covered_whitespace_cents),
            whitespace_coverage=k.whitespace_coverage,
            partner_utilisation=k.partner_utilisation,
            specialist_utilisation=k.specialist_utilisation,
            by_territory=groups[models.Dimension.TERRITORY],
            by_track=groups[models.Dimension.TRACK],
            by_tier=groups[models.Dimension.TIER],
        )
