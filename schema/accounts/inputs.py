"""Account inputs: filters and mutation inputs, each turned into a validated domain value."""

from __future__ import annotations

import strawberry

from db.inputs import AccountFilter, AccountPatch, NewAccount, WalletValue
from db.models import KEEP
from db.validation import MAX_INT64, int_range
from schema.common.enums import Coverage, Segment
from schema.common.ids import decode_id, decode_optional
from schema.common.scalars import Cents


@strawberry.input(description="Accounts with at least this whitespace in one product line.")
class WhitespaceFilterInput:
    """Accounts with at least this whitespace in one product line."""

    product_line_id: strawberry.ID
    min_cents: Cents = Cents(0)


@strawberry.input(description="Account list filters; all optional, combined with AND.")
class AccountFilterInput:
    """Account list filters; all optional, combined with AND."""

    coverage: Coverage | None = None
    territory_id: strawberry.ID | None = None
    incumbent_partner_id: strawberry.ID | None = None
    whitespace: WhitespaceFilterInput | None = None
    name_search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name."
    )

    def to_domain(self) -> AccountFilter:
        """The domain filter (raises Invalid naming the field)."""
        ws = self.whitespace
        return AccountFilter(
            coverage=self.coverage,
            territory_id=decode_optional(self.territory_id, "Territory", "territory_id"),
            incumbent_partner_id=decode_optional(
                self.incumbent_partner_id, "Partner", "incumbent_partner_id"
            ),
            product_line_id=decode_id(
                ws.product_line_id, "ProductLine", "whitespace.product_line_id"
            )
            if ws is not None
            else None,
            min_whitespace_cents=int_range("whitespace.min_cents", ws.min_cents, maximum=MAX_INT64)
            if ws is not None
            else None,
            name_search=self.name_search,
        )


@strawberry.input
class CreateAccountInput:
    """GraphQL input ``CreateAccountInput``."""

    external_ref: str
    name: str
    territory_id: strawberry.ID
    segment: Segment
    workload: int
    coverage: Coverage = Coverage.NAMED
    incumbent_partner_id: strawberry.ID | None = None

    def to_domain(self) -> NewAccount:
        """The validated domain value."""
        return NewAccount(
            external_ref=self.external_ref,
            name=self.name,
            territory_id=decode_id(self.territory_id, "Territory", "territory_id"),
            segment=self.segment,
            workload=self.workload,
            coverage=self.coverage,
            incumbent_partner_id=decode_optional(
                self.incumbent_partner_id, "Partner", "incumbent_partner_id"
            ),
        )


@strawberry.input(
    description="Fields to change; omitted fields stay. `incumbentPartnerId: null` clears it."
)
class UpdateAccountInput:
    """Fields to change; omitted fields stay. `incumbentPartnerId: null` clears it."""

    name: str | None = None
    territory_id: strawberry.ID | None = None
    segment: Segment | None = None
    workload: int | None = None
    coverage: Coverage | None = None
    incumbent_partner_id: strawberry.ID | None = strawberry.UNSET

    def to_domain(self) -> AccountPatch:
        """The validated domain patch."""
        incumbent = self.incumbent_partner_id
        return AccountPatch(
            name=KEEP if self.name is None else self.name,
            territory_id=KEEP
            if self.territory_id is None
            else decode_id(self.territory_id, "Territory", "territory_id"),
            segment=KEEP if self.segment is None else self.segment,
            workload=KEEP if self.workload is None else self.workload,
            coverage=KEEP if self.coverage is None else self.coverage,
            incumbent_partner_id=KEEP
            if incumbent is strawberry.UNSET
            else decode_optional(incumbent, "Partner", "incumbent_partner_id"),
        )


@strawberry.input(description="An account's wallet and spend for one product line, in cents.")
class SetAccountWalletInput:
    """An account's wallet and spend for one product line, in cents."""

    account_id: strawberry.ID
    product_line_id: strawberry.ID
    wallet_cents: Cents
    spend_cents: Cents

    def to_domain(self) -> WalletValue:
        """The validated domain value."""
        return WalletValue(
            account_id=decode_id(self.account_id, "Account", "account_id"),
            product_line_id=decode_id(self.product_line_id, "ProductLine", "product_line_id"),
            wallet_cents=self.wallet_cents,
            spend_cents=self.spend_cents,
        )
