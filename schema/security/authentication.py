"""Schema-level authentication gate: a request that came over HTTP or a WebSocket must carry a
principal. The api layer already answers 401 / closes 4403; this is the second line, should
the schema ever be mounted without it. In-process calls (no request: tests, CLI) pass, and
each permission check then sees no role."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from strawberry.extensions import SchemaExtension

from db.principal import Principal
from schema.security.refusal import refuse

PRINCIPAL_SCOPE_KEY = "allot.principal"
"""ASGI scope key under which the api layer leaves the verified Principal of a request."""

AUTHENTICATION_REQUIRED = "Authentication required: send 'Authorization: Bearer <token>'"


def principal_in(scope: Mapping[str, Any]) -> Principal | None:
    """The principal the api layer verified for this request (None: nobody)."""
    principal = scope.get(PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else None


class RequireAuthentication(SchemaExtension):
    """Refuse operations of a served request that has no principal."""

    def on_operation(self) -> Iterator[None]:
        """Refuse (UNAUTHENTICATED) before parsing when the principal is missing."""
        context = self.execution_context.context
        served = getattr(context, "request", None) is not None
        if served and getattr(context, "principal", None) is None:
            refuse(self.execution_context, AUTHENTICATION_REQUIRED, "UNAUTHENTICATED")
        yield
