"""``offers``: planners' view of live offers, their status and decline reasons."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import portal
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.errors import as_user_input
from schema.common.ids import decode_optional, encode_id
from schema.common.scalars import Cents
from schema.context import Info
from schema.portal.types import OfferStatus

ORDER = "offers"
KEY_TYPES = (int,)


@strawberry.input(description="Filters of `offers`, ANDed.")
class OfferFilterInput:
    """Filters of `offers`, ANDed."""

    status: OfferStatus | None = None
    partner_id: strawberry.ID | None = None
    territory_id: strawberry.ID | None = None
    account_id: strawberry.ID | None = None


@strawberry.type(description="A live offer: account, partner, territory, status and reason.")
class Offer:
    """A live offer: account, partner, territory, status and reason."""

    account_id: strawberry.ID
    account_name: str
    partner_id: strawberry.ID
    partner_name: str
    territory_code: str
    offer_status: OfferStatus
    offered_at: datetime
    responded_at: datetime | None
    reason: str | None = strawberry.field(description="The partner's reason (declines).")
    expected_revenue_cents: Cents

    @classmethod
    def from_domain(cls, row: portal.OfferRow) -> Offer:
        """Map a stored offer row."""
        return cls(
            account_id=strawberry.ID(encode_id("Account", row.account_id)),
            account_name=row.account_name,
            partner_id=strawberry.ID(encode_id("Partner", row.partner_id)),
            partner_name=row.partner_name,
            territory_code=row.territory_code,
            offer_status=OfferStatus(row.offer_status),
            offered_at=row.offered_at,
            responded_at=row.responded_at,
            reason=row.reason,
            expected_revenue_cents=Cents(row.expected_revenue_cents),
        )


def _filter(given: OfferFilterInput | None) -> portal.OfferFilter:
    if given is None:
        return portal.OfferFilter()
    with as_user_input("filter"):
        return portal.OfferFilter(
            status=given.status.value if given.status is not None else None,
            partner_id=decode_optional(given.partner_id, "Partner", "partnerId"),
            territory_id=decode_optional(given.territory_id, "Territory", "territoryId"),
            account_id=decode_optional(given.account_id, "Account", "accountId"),
        )


@strawberry.type
class OfferQuery:
    """Planners' read of live offers."""

    @strawberry.field(
        description="Live offers by account with status and decline reason; filter by status, "
        "partner, territory or account; `first` is 1..100."
    )
    async def offers(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: OfferFilterInput | None = None,
    ) -> Connection[Offer]:
        """A keyset page of live offers."""
        check_first(first)
        key = decode_cursor(after, ORDER, KEY_TYPES)
        f = _filter(filter)
        pool = info.context.pool
        page = await portal.offers_page(pool, f, first=first, after=key[0] if key else None)
        return connection(
            page, Offer.from_domain, ORDER, lambda: portal.offers_count(pool, f), after
        )
