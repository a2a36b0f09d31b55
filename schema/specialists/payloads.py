"""Specialist mutation payloads."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.errors import ConflictError, NotFoundError, ValidationError
from schema.specialists.types import Specialist


@strawberry.type(description="The specialist as written.")
class SpecialistSuccess:
    """The specialist as written."""

    specialist: Specialist


SpecialistPayload = Annotated[
    SpecialistSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("SpecialistPayload"),
]
