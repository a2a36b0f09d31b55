"""``node(id)``: fetch any entity by its global ID through the request's loaders."""

from __future__ import annotations

import strawberry

from schema.accounts.types import Account
from schema.common.errors import UserInputError, as_user_input
from schema.common.ids import decode_any
from schema.common.node import Node
from schema.context import Info
from schema.partners.types import Partner
from schema.permissions import partner_scope
from schema.portal.query import portal_node
from schema.product_lines.types import ProductLine
from schema.specialists.types import Specialist
from schema.territories.types import Territory


async def load_node(info: Info, type_name: str, db_id: int) -> Node | None:
    """The entity of type ``type_name`` with id ``db_id``, or None."""
    loaders = info.context.loaders
    if type_name == "Partner":
        partner = await loaders.partners.load(db_id)
        return Partner.from_domain(partner) if partner else None
    if type_name == "Account":
        account = await loaders.accounts.load(db_id)
        return Account.from_domain(account) if account else None
    if type_name == "Territory":
        territory = await loaders.territories.load(db_id)
        return Territory.from_domain(territory) if territory else None
    if type_name == "Specialist":
        specialist = await loaders.specialists.load(db_id)
        return Specialist.from_domain(specialist) if specialist else None
    if type_name == "ProductLine":
        line = await loaders.product_lines.load(db_id)
        return ProductLine.from_domain(line) if line else None
    raise UserInputError(
        f"Argument id names an unknown type {type_name!r}", argument="id", rule="global_id"
    )


@strawberry.type
class NodeQuery:
    """Read fields of the Node feature."""

    @strawberry.field(description="Any object by its global ID, or null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        """Any object by its global ID, or null when it does not exist."""
        with as_user_input():
            type_name, db_id = decode_any(id)
        if partner_scope(info.context) is not None:
            return await portal_node(info, type_name, db_id)  # own partner, offered accounts
        return await load_node(info, type_name, db_id)
