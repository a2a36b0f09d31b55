"""Types a PARTNER may read: its own partner and the accounts offered to it, nothing more.

They are separate from the planner types on purpose: the permission matrix closes every planner
type to PARTNER (schema/permissions.py ``PARTNER_TYPES``), so a field added to ``Partner`` or
``Account`` can never leak through the portal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

import asyncpg
import strawberry
from strawberry.dataloader import DataLoader

from db import offers, portal
from db.models import Partner
from db.rls import as_partner
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.common.scalars import Cents
from schema.context import Info


@strawberry.enum(description="Where an offer stands.")
class OfferStatus(Enum):
    """Where an offer stands."""

    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


@strawberry.type(description="The caller's own partner, as the partner portal shows it.")
class PortalPartner(Node):
    """The caller's own partner, as the partner portal shows it."""

    name: str
    track: str
    tier: str
    capacity: int = strawberry.field(description="Workload units it can take.")
    active: bool

    @classmethod
    def from_domain(cls, partner: Partner) -> PortalPartner:
        """Map a stored partner (the id is the Partner global ID)."""
        return cls(
            id=strawberry.ID(encode_id("Partner", partner.id)),
            name=partner.name,
            track=partner.track.value,
            tier=partner.tier.value,
            capacity=partner.capacity,
            active=partner.active,
        )


@strawberry.type(description="Who the token says the caller is.")
class Me:
    """Who the token says the caller is."""

    subject: str
    role: str
    partner_id: strawberry.Private[int | None]

    @strawberry.field(description="The caller's partner (PARTNER only; null for other roles).")
    async def partner(self, info: Info) -> PortalPartner | None:
        """The caller's partner (PARTNER only; null for other roles)."""
        if self.partner_id is None:
            return None
        return await load_own_partner(info.context.pool, self.partner_id)


@strawberry.type(description="The territory of an offered account.")
class PortalTerritory:
    """The territory of an offered account."""

    code: str
    name: str
    region: str


@strawberry.type(description="Whitespace of one product line of an offered account.")
class LineWhitespace:
    """Whitespace of one product line of an offered account."""

    product_line_code: str
    product_line_name: str
    whitespace_cents: Cents


@strawberry.type(description="A specialist assigned with the account: who to call.")
class PortalSpecialist:
    """A specialist assigned with the account: who to call."""

    name: str
    email: str | None
    product_line_code: str


async def load_own_partner(pool: asyncpg.Pool, partner_id: int) -> PortalPartner | None:
    """The caller's own partner, read under row-level security."""
    found = await as_partner(pool, partner_id, lambda c: portal.own_partner(c, partner_id))
    return PortalPartner.from_domain(found) if found is not None else None


class PortalLoaders:
    """Batch loaders of one partner's offered-account details (one query each per request)."""

    def __init__(self, pool: asyncpg.Pool, partner_id: int) -> None:
        self.pool = pool
        self.partner_id = partner_id
        self.whitespace = DataLoader(self._whitespace)
        self.specialists = DataLoader(self._specialists)

    async def _whitespace(self, ids: list[int]) -> list[list[portal.LineWhitespace]]:
        return await as_partner(
            self.pool, self.partner_id, lambda c: portal.whitespace_for(c, self.partner_id, ids)
        )

    async def _specialists(self, ids: list[int]) -> list[list[portal.SpecialistContact]]:
        return await as_partner(
            self.pool, self.partner_id, lambda c: portal.specialists_for(c, self.partner_id, ids)
        )


@strawberry.type(description="A live assignment of the caller's partner: an offered account.")
class OfferedAccount(Node):
    """A live assignment of the caller's partner: an offered account (id: the Account ID)."""

    name: str
    territory: PortalTerritory
    expected_revenue_cents: Cents = strawberry.field(
        description="Expected attach revenue with the assigned specialists."
    )
    offer_status: OfferStatus
    offered_at: datetime
    responded_at: datetime | None
    reason: str | None = strawberry.field(description="The partner's reason, if it gave one.")
    expires_at: datetime | None = strawberry.field(description="When an OFFERED offer lapses.")
    account_id: strawberry.Private[int]
    loaders: strawberry.Private[PortalLoaders]

    @classmethod
    def from_domain(cls, row: portal.OfferedAccount, loaders: PortalLoaders) -> OfferedAccount:
        """Map a stored live assignment."""
        expires = (
            row.offered_at + timedelta(days=offers.ttl_days())
            if row.offer_status == "OFFERED"
            else None
        )
        return cls(
            id=strawberry.ID(encode_id("Account", row.account_id)),
            name=row.account_name,
            territory=PortalTerritory(
                code=row.territory_code, name=row.territory_name, region=row.territory_region
            ),
            expected_revenue_cents=Cents(row.expected_revenue_cents),
            offer_status=OfferStatus(row.offer_status),
            offered_at=row.offered_at,
            responded_at=row.responded_at,
            reason=row.reason,
            expires_at=expires,
            account_id=row.account_id,
            loaders=loaders,
        )

    @strawberry.field(description="Whitespace per product line (batched per request).")
    async def whitespace(self) -> list[LineWhitespace]:
        """Whitespace per product line (batched per request)."""
        lines = await self.loaders.whitespace.load(self.account_id)
        return [
            LineWhitespace(
                product_line_code=w.product_line_code,
                product_line_name=w.product_line_name,
                whitespace_cents=Cents(w.whitespace_cents),
            )
            for w in lines
        ]

    @strawberry.field(description="Specialists assigned with the account, with their contact.")
    async def specialists(self) -> list[PortalSpecialist]:
        """Specialists assigned with the account, with their contact."""
        contacts = await self.loaders.specialists.load(self.account_id)
        return [
            PortalSpecialist(name=c.name, email=c.email, product_line_code=c.product_line_code)
            for c in contacts
        ]
