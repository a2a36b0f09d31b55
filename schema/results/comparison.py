"""ScenarioComparison: accounts that move between two results and the KPI deltas."""

from __future__ import annotations

from typing import Self

import strawberry

from db.results import compare as result_compare
from db.results import models
from schema.accounts.types import Account
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.ids import encode_id
from schema.common.scalars import Cents
from schema.context import Info
from schema.partners.types import Partner
from schema.results.kpis import Kpis

MOVES_ORDER = "MOVES"


async def _partner(info: Info, partner_id: int | None) -> Partner | None:
    if partner_id is None:
        return None
    found = await info.context.loaders.partners.load(partner_id)
    return Partner.from_domain(found) if found is not None else None


@strawberry.type(description="An account whose partner differs between the two results.")
class Move:
    base_revenue_cents: Cents
    other_revenue_cents: Cents
    revenue_delta_cents: Cents = strawberry.field(description="Other minus base.")
    account_id: strawberry.Private[int]
    from_partner_id: strawberry.Private[int | None]
    to_partner_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, m: models.Move) -> Self:
        """Map the domain value."""
        return cls(
            base_revenue_cents=Cents(m.base_revenue_cents),
            other_revenue_cents=Cents(m.other_revenue_cents),
            revenue_delta_cents=Cents(m.revenue_delta_cents),
            account_id=m.account_id,
            from_partner_id=m.from_partner_id,
            to_partner_id=m.to_partner_id,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account:
        found = await info.context.loaders.accounts.load(self.account_id)
        assert found is not None  # foreign key
        return Account.from_domain(found)

    @strawberry.field(description="Partner in the base result; null: unassigned there.")
    async def from_partner(self, info: Info) -> Partner | None:
        return await _partner(info, self.from_partner_id)

    @strawberry.field(description="Partner in the other result; null: unassigned there.")
    async def to_partner(self, info: Info) -> Partner | None:
        return await _partner(info, self.to_partner_id)


@strawberry.type(description="One breakdown group in both results; deltas are other - base.")
class KpiDelta:
    key: str = strawberry.field(description="Territory code, track or tier.")
    base_accounts: int
    other_accounts: int
    accounts_delta: int
    base_revenue_cents: Cents
    other_revenue_cents: Cents
    revenue_delta_cents: Cents

    @classmethod
    def from_domain(cls, d: models.BreakdownDelta) -> Self:
        """Map the domain value."""
        return cls(
            key=d.key,
            base_accounts=d.base_accounts,
            other_accounts=d.other_accounts,
            accounts_delta=d.accounts_delta,
            base_revenue_cents=Cents(d.base_revenue_cents),
            other_revenue_cents=Cents(d.other_revenue_cents),
            revenue_delta_cents=Cents(d.revenue_delta_cents),
        )


@strawberry.type(description="Two results side by side: moves and KPI deltas (other - base).")
class ScenarioComparison:
    base_id: strawberry.ID
    other_id: strawberry.ID
    base: Kpis
    other: Kpis
    moved_accounts: int = strawberry.field(
        description="Accounts in both scopes whose partner differs."
    )
    revenue_delta_cents: Cents
    assigned_accounts_delta: int
    account_coverage_delta: float
    whitespace_coverage_delta: float
    by_territory: list[KpiDelta]
    by_track: list[KpiDelta]
    by_tier: list[KpiDelta]
    base_db_id: strawberry.Private[int]
    other_db_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, c: models.Comparison) -> Self:
        """Map the domain value."""
        groups = {d: [KpiDelta.from_domain(x) for x in c.by(d)] for d in models.Dimension}
        b, o = c.base, c.other
        return cls(
            base_id=strawberry.ID(encode_id("Scenario", c.base_id)),
            other_id=strawberry.ID(encode_id("Scenario", c.other_id)),
            base=Kpis.from_domain(b),
            other=Kpis.from_domain(o),
            moved_accounts=c.moved_accounts,
            revenue_delta_cents=Cents(
                o.total_expected_revenue_cents - b.total_expected_revenue_cents
            ),
            assigned_accounts_delta=o.assigned_accounts - b.assigned_accounts,
            account_coverage_delta=o.account_coverage - b.account_coverage,
            whitespace_coverage_delta=o.whitespace_coverage - b.whitespace_coverage,
            by_territory=groups[models.Dimension.TERRITORY],
            by_track=groups[models.Dimension.TRACK],
            by_tier=groups[models.Dimension.TIER],
            base_db_id=c.base_id,
            other_db_id=c.other_id,
        )

    @strawberry.field(description="The accounts that move, by account; `first` is 1..100.")
    async def moves(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Move]:
        check_first(first)
        key = decode_cursor(after, MOVES_ORDER, (int,))
        pool, base, other = info.context.pool, self.base_db_id, self.other_db_id
        page = await result_compare.moves_page(pool, base, other, key, first)
        count = lambda: result_compare.move_count(pool, base, other)  # noqa: E731
        return connection(page, Move.from_domain, MOVES_ORDER, count, after)
