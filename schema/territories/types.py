"""The Territory type, with its partners, accounts and specialists as connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from db import models
from db.inputs import AccountFilter, AccountOrder, PartnerFilter, SpecialistFilter
from schema.common.connection import DEFAULT_PAGE, Connection
from schema.common.ids import encode_id
from schema.common.node import Node
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts.inputs import AccountFilterInput
    from schema.accounts.types import Account
    from schema.partners.inputs import PartnerFilterInput
    from schema.partners.types import Partner
    from schema.specialists.types import Specialist

_PartnerFilter = Annotated["PartnerFilterInput", strawberry.lazy("schema.partners.inputs")]
_AccountFilter = Annotated["AccountFilterInput", strawberry.lazy("schema.accounts.inputs")]


@strawberry.type(description="A sales territory.")
class Territory(Node):
    """A sales territory."""

    code: str
    name: str
    region: str
    db_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, territory: models.Territory) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("Territory", territory.id)),
            code=territory.code,
            name=territory.name,
            region=territory.region,
            db_id=territory.id,
        )

    @classmethod
    def from_loaded(cls, territory: models.Territory | None) -> Self:
        """Map a territory loaded through a foreign key (so it exists)."""
        assert territory is not None, "foreign key to a missing territory"
        return cls.from_domain(territory)

    @classmethod
    def from_list(cls, territories: list[models.Territory]) -> list[Self]:
        """Map a loaded list of territories."""
        return [cls.from_domain(t) for t in territories]

    @strawberry.field(description="Partners serving this territory, by name.")
    async def partners(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: _PartnerFilter | None = None,
    ) -> Connection[Annotated[Partner, strawberry.lazy("schema.partners.types")]]:
        """Partners serving this territory, by name."""
        from schema.partners.query import partner_connection

        base = filter.to_domain() if filter is not None else PartnerFilter()
        return await partner_connection(info, first, after, base, territory_id=self.db_id)

    @strawberry.field(description="Accounts in this territory.")
    async def accounts(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        filter: _AccountFilter | None = None,
        order: AccountOrder = AccountOrder.TOTAL_WHITESPACE_DESC,
    ) -> Connection[Annotated[Account, strawberry.lazy("schema.accounts.types")]]:
        """Accounts in this territory."""
        from schema.accounts.query import account_connection

        base = filter.to_domain() if filter is not None else AccountFilter()
        return await account_connection(info, first, after, base, order, territory_id=self.db_id)

    @strawberry.field(description="Specialists working in this territory.")
    async def specialists(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        product_line_id: strawberry.ID | None = None,
    ) -> Connection[Annotated[Specialist, strawberry.lazy("schema.specialists.types")]]:
        """Specialists working in this territory."""
        from schema.specialists.query import specialist_connection

        return await specialist_connection(
            info, first, after, SpecialistFilter(), product_line_id, territory_id=self.db_id
        )
