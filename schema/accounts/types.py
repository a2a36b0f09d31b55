"""The Account type with territory, incumbent, wallets and eligible partners (all batched)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from db import models
from schema.common.enums import Coverage, Segment
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.scalars import Cents
from schema.context import Info

if TYPE_CHECKING:
    from schema.partners.types import Partner
    from schema.product_lines.types import ProductLine
    from schema.territories.types import Territory


@strawberry.type(description="An account's wallet, spend and whitespace for one product line.")
class Wallet:
    wallet_cents: Cents = strawberry.field(description="What the account spends on the line.")
    spend_cents: Cents = strawberry.field(description="What it already buys from us.")
    whitespace_cents: Cents = strawberry.field(description="max(0, wallet - spend).")
    product_line_id: strawberry.Private[int]

    @strawberry.field
    async def product_line(
        self, info: Info
    ) -> Annotated[ProductLine, strawberry.lazy("schema.product_lines.types")]:
        from schema.product_lines.types import ProductLine

        line = await info.context.loaders.product_lines.load(self.product_line_id)
        assert line is not None  # foreign key
        return ProductLine.from_domain(line)

    @classmethod
    def from_domain(cls, wallet: models.Wallet) -> Self:
        """Map the domain value."""
        return cls(
            wallet_cents=Cents(wallet.wallet_cents),
            spend_cents=Cents(wallet.spend_cents),
            whitespace_cents=Cents(wallet.whitespace_cents),
            product_line_id=wallet.product_line_id,
        )


@strawberry.type(description="A customer account.")
class Account(Node):
    external_ref: str
    name: str
    segment: Segment
    workload: int = strawberry.field(description="Workload units it takes from a partner.")
    coverage: Coverage
    total_whitespace_cents: Cents = strawberry.field(description="Whitespace over all lines.")
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[int]
    territory_id: strawberry.Private[int]
    incumbent_partner_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, account: models.Account) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("Account", account.id)),
            external_ref=account.external_ref,
            name=account.name,
            segment=account.segment,
            workload=account.workload,
            coverage=account.coverage,
            total_whitespace_cents=Cents(account.total_whitespace_cents),
            created_at=account.created_at,
            updated_at=account.updated_at,
            db_id=account.id,
            territory_id=account.territory_id,
            incumbent_partner_id=account.incumbent_partner_id,
        )

    @strawberry.field
    async def territory(
        self, info: Info
    ) -> Annotated[Territory, strawberry.lazy("schema.territories.types")]:
        from schema.territories.types import Territory

        found = await info.context.loaders.territories.load(self.territory_id)
        assert found is not None  # foreign key
        return Territory.from_domain(found)

    @strawberry.field(description="The partner that covers it today, if any.")
    async def incumbent_partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners.types")] | None:
        from schema.partners.types import Partner

        if self.incumbent_partner_id is None:
            return None
        found = await info.context.loaders.partners.load(self.incumbent_partner_id)
        return Partner.from_domain(found) if found is not None else None

    @strawberry.field(description="Wallets per product line (whitespace per line).")
    async def wallets(self, info: Info) -> list[Wallet]:
        found = await info.context.loaders.account_wallets.load(self.db_id)
        return [Wallet.from_domain(w) for w in found]

    @strawberry.field(description="Active partners serving its territory, by name.")
    async def eligible_partners(
        self, info: Info
    ) -> list[Annotated[Partner, strawberry.lazy("schema.partners.types")]]:
        from schema.partners.types import Partner

        found = await info.context.loaders.eligible_partners.load(self.territory_id)
        return [Partner.from_domain(p) for p in found]
