"""Partner portal reads: ``me``, ``myPartner``, ``myAssignments`` and the portal's ``node``.

Every read is confined to the principal's partner in SQL (db/portal.py); expired offers are
expired before a partner reads its assignments, so the page shows them as EXPIRED.
"""

from __future__ import annotations

import strawberry

from db import offers, portal
from db.pool import AnyConnection
from db.rls import as_partner
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.common.node import Node
from schema.context import Info
from schema.permissions import PermissionDenied, partner_scope, principal_of
from schema.portal.types import (
    Me,
    OfferedAccount,
    OfferStatus,
    PortalLoaders,
    PortalPartner,
    load_own_partner,
)

ORDER = "offered"
KEY_TYPES = (int,)


def _partner_id(info: Info, field: str) -> int:
    """The caller's partner id; PermissionDenied for callers that are not a PARTNER."""
    partner_id = partner_scope(info.context)
    if partner_id is None:
        principal = principal_of(info.context)
        raise PermissionDenied(f"Query.{field}", principal.role if principal else None)
    return partner_id


async def portal_node(info: Info, type_name: str, db_id: int) -> Node | None:
    """``node(id)`` for a PARTNER: its own partner or an account offered to it, else null."""
    partner_id = _partner_id(info, "node")
    pool = info.context.pool
    if type_name == "Partner" and db_id == partner_id:
        return await load_own_partner(pool, partner_id)
    if type_name == "Account":
        (row,) = await as_partner(
            pool, partner_id, lambda c: portal.offered_many(c, partner_id, [db_id])
        )
        if row is not None:
            return OfferedAccount.from_domain(row, PortalLoaders(pool, partner_id))
    return None


@strawberry.type
class PortalQuery:
    """Read fields of the partner portal."""

    @strawberry.field(description="Who the token says the caller is (any role).")
    def me(self, info: Info) -> Me | None:
        """Who the token says the caller is (null for in-process calls without one)."""
        principal = principal_of(info.context)
        if principal is None:
            return None
        return Me(
            subject=principal.subject, role=principal.role.value, partner_id=principal.partner_id
        )

    @strawberry.field(description="The caller's own partner (PARTNER only).")
    async def my_partner(self, info: Info) -> PortalPartner | None:
        """The caller's own partner (PARTNER only)."""
        return await load_own_partner(info.context.pool, _partner_id(info, "myPartner"))

    @strawberry.field(
        description="The live assignments of the caller's partner by account; `first` is 1..100; "
        "offers past their time are shown EXPIRED (PARTNER only)."
    )
    async def my_assignments(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        status: OfferStatus | None = None,
    ) -> Connection[OfferedAccount]:
        """A keyset page of the caller's live assignments."""
        partner_id = _partner_id(info, "myAssignments")
        check_first(first)
        key = decode_cursor(after, ORDER, KEY_TYPES)
        pool = info.context.pool
        async with pool.acquire() as conn:
            await offers.expire_offers(conn, partner_id=partner_id)
        wanted = status.value if status is not None else None
        start = key[0] if key else None
        page = await as_partner(
            pool,
            partner_id,
            lambda c: portal.offered_page(c, partner_id, first=first, after=start, status=wanted),
        )
        loaders = PortalLoaders(pool, partner_id)

        async def count(conn: AnyConnection) -> int:
            return await portal.offered_count(conn, partner_id, wanted)

        return connection(
            page,
            lambda row: OfferedAccount.from_domain(row, loaders),
            ORDER,
            lambda: as_partner(
                pool, partner_id, lambda c: portal.offered_count(c, partner_id, wanted)
            ),
            after,
        )
