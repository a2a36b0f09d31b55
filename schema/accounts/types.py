"""The Account type with territory, incumbent, wallets and eligible partners (all batched)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry

from db import models
from schema.common.enums import Coverage, Segment
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.prefetch import now_or_later
from schema.common.scalars import Cents
from schema.context import Info
from schema.partners.types import Partner
from schema.product_lines.types import ProductLine
from schema.territories.types import Territory


@strawberry.type(description="An account's wallet, spend and whitespace for one product line.")
class Wallet:
    """An account's wallet, spend and whitespace for one product line."""

    wallet_cents: Cents = strawberry.field(description="What the account spends on the line.")
    spend_cents: Cents = strawberry.field(description="What it already buys from us.")
    whitespace_cents: Cents = strawberry.field(description="max(0, wallet - spend).")
    product_line: ProductLine

    @classmethod
    def from_domain(cls, wallet: models.Wallet, line: models.ProductLine) -> Self:
        """Map the domain values (the line comes resolved with the wallet, in one batch)."""
        return cls(
            wallet_cents=Cents(wallet.wallet_cents),
            spend_cents=Cents(wallet.spend_cents),
            whitespace_cents=Cents(wallet.whitespace_cents),
            product_line=ProductLine.shared(line),
        )

    @classmethod
    def from_pairs(cls, pairs: list[tuple[models.Wallet, models.ProductLine]]) -> list[Self]:
        """Map a loader's (wallet, line) pairs: ``from_domain`` inlined (about 365 a page)."""
        shared = ProductLine.shared
        return [
            cls(
                wallet_cents=Cents(wallet.wallet_cents),
                spend_cents=Cents(wallet.spend_cents),
                whitespace_cents=Cents(wallet.whitespace_cents),
                product_line=shared(line),
            )
            for wallet, line in pairs
        ]


@strawberry.type(description="A customer account.")
class Account(Node):
    """A customer account."""

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
    def territory(
        self, info: Info
    ) -> Annotated[Territory, strawberry.lazy("schema.territories.types")]:
        """Resolve ``territory``."""
        return now_or_later(
            info.context.loaders.territories, self.territory_id, Territory.from_loaded
        )

    @strawberry.field(description="The partner that covers it today, if any.")
    def incumbent_partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners.types")] | None:
        """The partner that covers it today, if any."""
        if self.incumbent_partner_id is None:
            return None
        return now_or_later(
            info.context.loaders.partners, self.incumbent_partner_id, Partner.from_optional
        )

    @strawberry.field(description="Wallets per product line (whitespace per line).")
    def wallets(self, info: Info) -> list[Wallet]:
        """Wallets per product line (whitespace per line)."""
        return now_or_later(info.context.loaders.account_wallets, self.db_id, Wallet.from_pairs)

    @strawberry.field(description="Active partners serving its territory, by name.")
    def eligible_partners(
        self, info: Info
    ) -> list[Annotated[Partner, strawberry.lazy("schema.partners.types")]]:
        """Active partners serving its territory, by name."""
        return now_or_later(
            info.context.loaders.eligible_partners, self.territory_id, Partner.from_list
        )
