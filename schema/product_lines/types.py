"""The ProductLine type."""

from __future__ import annotations

from functools import lru_cache
from typing import Self

import strawberry

from db import models
from schema.common.enums import BusinessUnit
from schema.common.ids import encode_id
from schema.common.node import Node


@strawberry.type(description="A product line (PCS, PRINT, ...) of a business unit.")
class ProductLine(Node):
    """A product line (PCS, PRINT, ...) of a business unit."""

    code: str
    name: str
    business_unit: BusinessUnit
    db_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, line: models.ProductLine) -> Self:
        """Map the domain value."""
        return cls(
            id=strawberry.ID(encode_id("ProductLine", line.id)),
            code=line.code,
            name=line.name,
            business_unit=line.business_unit,
            db_id=line.id,
        )

    @classmethod
    def from_loaded(cls, line: models.ProductLine | None) -> Self:
        """Map a product line loaded through a foreign key (so it exists)."""
        assert line is not None, "foreign key to a missing product line"
        return cls.from_domain(line)

    @classmethod
    def shared(cls, line: models.ProductLine) -> ProductLine:
        """``from_domain``, one object per distinct line value: every wallet and competency of
        a page refers to one of a few lines, so the object is made once, not hundreds of times.
        Keyed by the whole (frozen) value, so a renamed line gets a new object; nothing
        mutates these objects after they are made.

        The rows of one loader batch share one ``models.ProductLine`` per line, so the object
        is first looked up by identity (hashing the frozen value, enum included, costs more
        than the lookup itself); the entry keeps ``line`` alive, so its id is not reused.
        """
        hit = _BY_IDENTITY.get(id(line))
        if hit is not None and hit[0] is line:
            return hit[1]
        if len(_BY_IDENTITY) >= _IDENTITY_LIMIT:
            _BY_IDENTITY.clear()
        made = _shared(line)
        _BY_IDENTITY[id(line)] = (line, made)
        return made


_IDENTITY_LIMIT = 1024
_BY_IDENTITY: dict[int, tuple[models.ProductLine, ProductLine]] = {}


@lru_cache(maxsize=256)
def _shared(line: models.ProductLine) -> ProductLine:
    return ProductLine.from_domain(line)
