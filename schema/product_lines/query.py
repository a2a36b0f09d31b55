"""Product line queries."""

from __future__ import annotations

import strawberry

from db.repositories import product_lines
from schema.context import Info
from schema.product_lines.types import ProductLine


@strawberry.type
class ProductLineQuery:
    """Read fields of the ProductLine feature."""

    @strawberry.field(description="All product lines, by code.")
    async def product_lines(self, info: Info) -> list[ProductLine]:
        """All product lines, by code."""
        return [ProductLine.from_domain(p) for p in await product_lines.list_all(info.context.pool)]
