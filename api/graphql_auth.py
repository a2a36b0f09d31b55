"""The GraphQL app with authentication: the principal in the context, WebSockets from
``connection_init``, browser origins for WebSockets, and the trusted-documents store.

HTTP requests reach this app only through api/guard.py, which has verified the bearer header
and left the principal in the scope. A WebSocket authenticates in its ``connection_init``
payload (``{"authorization": "Bearer <token>"}``, or ``{"token": "<token>"}``): browsers cannot
set headers on a WebSocket. A bad or missing token closes the socket with 4403.
"""

from __future__ import annotations

import logging

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api.auth import AuthenticationFailed, TokenVerifier, bearer_token
from api.auth_settings import AuthSettings
from api.guard import AUTH_ERROR_SCOPE_KEY, anonymous_principal
from db.principal import Principal
from schema.app import AllotGraphQL
from schema.context import Context
from schema.security.authentication import principal_in
from schema.security.trusted import TRUSTED_DOCUMENTS_SCOPE_KEY, TrustedDocuments

log = logging.getLogger(__name__)


class AuthenticatedGraphQL(AllotGraphQL):
    """AllotGraphQL whose context carries the caller's principal."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        production: bool,
        settings: AuthSettings,
        verifier: TokenVerifier | None = None,
    ) -> None:
        super().__init__(pool, production=production)
        self.auth_settings = settings
        self.verifier = verifier or TokenVerifier(settings)
        self.trusted = (
            TrustedDocuments.load(settings.trusted_documents, settings.trusted_documents_roles)
            if settings.trusted_documents is not None
            else None
        )
        # graphql-transport-ws only: the legacy protocol has no close code for a bad token.
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        self.allowed_origins = frozenset(settings.allowed_origins)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        """The base context (principal included, from the scope: None on a WebSocket until
        its connection_init), with the trusted documents store in the scope when on."""
        context = await super().get_context(request, response)
        context.principal = principal_in(request.scope)  # (also done by schema/app.py)
        if self.trusted is not None:
            request.scope[TRUSTED_DOCUMENTS_SCOPE_KEY] = self.trusted
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate the socket from its connection_init payload; reject with 4403."""
        request = context.request
        scope_error = request.scope.get(AUTH_ERROR_SCOPE_KEY) if request is not None else None
        try:
            if isinstance(scope_error, str):
                raise AuthenticationFailed(scope_error)
            principal = context.principal or await self._principal(context.connection_params)
        except AuthenticationFailed as exc:
            log.info("WebSocket connection refused: %s", exc)
            raise ConnectionRejectionError({"message": str(exc)}) from None
        context.principal = principal
        ack: UnsetType = UNSET  # a plain connection_ack
        return ack

    async def _principal(self, params: dict[str, object] | None) -> Principal:
        """The principal of a connection_init payload, or the demo anonymous one."""
        params = params or {}
        raw = params.get("authorization", params.get("Authorization"))
        token: str | None
        if isinstance(raw, str):
            token = bearer_token(raw)
        elif isinstance(params.get("token"), str):
            token = str(params["token"])
        else:
            token = None
        if token is not None:
            return await self.verifier.verify_async(token)
        anonymous = anonymous_principal(self.auth_settings)
        if anonymous is None:
            raise AuthenticationFailed(
                "Authentication required: put 'authorization': 'Bearer <token>' in the "
                "connection_init payload"
            )
        return anonymous


def create_secure_graphql_app(
    pool: asyncpg.Pool, *, production: bool, settings: AuthSettings
) -> AuthenticatedGraphQL:
    """The GraphQL app to mount behind ``api.guard.guard_graphql``."""
    return AuthenticatedGraphQL(pool, production=production, settings=settings)
