"""Masked unexpected errors with an error id: the client sees the id, the log has the traceback.

GraphQL errors meant for the client (syntax, validation, limits, permission, bad input) pass
unchanged; anything else (a bug, a lost database) becomes "Unexpected error (id ...)." and is
logged at ERROR with the same id and the original traceback, so support can find it.
"""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.common.errors import is_unexpected

log = logging.getLogger("allot.errors")


class MaskErrorsWithId(MaskErrors):
    """MaskErrors whose masked errors carry an id that is also in the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Log the original with a new id; return the masked error carrying that id."""
        error_id = uuid.uuid4().hex[:16]
        original = error.original_error
        log.error(
            "unexpected error %s at %s: %s",
            error_id,
            ".".join(str(p) for p in error.path or ()),
            repr(original) if original is not None else error.message,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message=f"Unexpected error (id {error_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )
