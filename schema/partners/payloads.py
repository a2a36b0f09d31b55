"""Partner mutation payloads: the partner, or an error member naming what went wrong."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.errors import ConflictError, NotFoundError, ValidationError
from schema.partners.types import Partner


@strawberry.type(description="The partner as written.")
class PartnerSuccess:
    """The partner as written."""

    partner: Partner


PartnerPayload = Annotated[
    PartnerSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PartnerPayload"),
]
