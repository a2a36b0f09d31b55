"""``respondToOffer`` (the partner holding the offer) and ``expireOffers`` (planners)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from db import offers, portal
from db.errors import DomainError, Invalid, NotFound
from db.rls import as_partner
from schema.common.errors import ErrorPayload, NotFoundError, ValidationError, error_payload
from schema.common.ids import decode_id, encode_id
from schema.context import Info
from schema.portal.query import _partner_id
from schema.portal.types import OfferedAccount, PortalLoaders


@strawberry.enum(description="A partner's answer to an offer.")
class OfferDecision(Enum):
    """A partner's answer to an offer."""

    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"


@strawberry.type(description="The answer is recorded; a decline queued a repair if needed.")
class RespondToOfferSuccess:
    """The answer is recorded; a decline queued a repair if needed."""

    offer: OfferedAccount
    repair_queued: bool = strawberry.field(
        description="True when this answer queued a repair solve (one per batch of declines)."
    )


RespondToOfferPayload = Annotated[
    RespondToOfferSuccess | NotFoundError | ValidationError,
    strawberry.union("RespondToOfferPayload"),
]


@strawberry.type(description="Offers past their time were expired.")
class ExpireOffersSuccess:
    """Offers past their time were expired; the repairs queued for them."""

    repair_scenario_ids: list[strawberry.ID]


@strawberry.type
class PortalMutation:
    """Write fields of the partner portal and of offers."""

    @strawberry.mutation(
        description="Accept or decline an account offered to the caller's partner (PARTNER "
        "only). An account without an open offer for this partner reads as not found."
    )
    async def respond_to_offer(
        self,
        info: Info,
        account_id: strawberry.ID,
        decision: OfferDecision,
        reason: str | None = None,
    ) -> RespondToOfferPayload:
        """Record the answer, in offer history too; a decline triggers a repair."""
        partner_id = _partner_id(info, "respondToOffer")
        try:
            db_id = decode_id(account_id, "Account", "accountId")
        except Invalid as exc:
            payload: ErrorPayload = error_payload(exc)
            assert isinstance(payload, ValidationError)
            return payload
        pool = info.context.pool
        try:
            async with pool.acquire() as conn:
                done = await offers.respond(
                    conn, partner_id, db_id, offers.Decision(decision.value), reason
                )
        except NotFound:
            return NotFoundError(  # the same answer whether the account exists or not
                entity="Offer",
                id=account_id,
                message="Your partner holds no offer of this account",
            )
        except DomainError as exc:
            failure = error_payload(exc)
            assert isinstance(failure, ValidationError)
            return failure
        (row,) = await as_partner(
            pool, partner_id, lambda c: portal.offered_many(c, partner_id, [db_id])
        )
        assert row is not None
        return RespondToOfferSuccess(
            offer=OfferedAccount.from_domain(row, PortalLoaders(pool, partner_id)),
            repair_queued=done.repair_scenario_id is not None,
        )

    @strawberry.mutation(
        description="Expire every OFFERED account past ALLOT_OFFER_TTL_DAYS and queue one repair "
        "per published scenario concerned (planners; the worker and CLI call the same code)."
    )
    async def expire_offers(self, info: Info) -> ExpireOffersSuccess:
        """Expire stale offers now rather than on the next partner read."""
        async with info.context.pool.acquire() as conn:
            queued = await offers.expire_offers(conn)
        return ExpireOffersSuccess(
            repair_scenario_ids=[strawberry.ID(encode_id("Scenario", i)) for i in queued]
        )
