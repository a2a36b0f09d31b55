"""The HTTP side of authentication: a Starlette backend, the 401 gate on /graphql, and CORS.

- ``BearerBackend`` (with Starlette's ``AuthenticationMiddleware``) verifies an
  ``Authorization: Bearer`` header; a bad token is a 401 JSON answer whose message says why.
- ``RequirePrincipal`` answers 401 to HTTP GraphQL requests that carry no token, unless a demo
  anonymous role is configured; the GraphiQL page itself (a GET for text/html without a query)
  is served, since a browser cannot attach a header to it. WebSockets pass: they authenticate
  from the ``connection_init`` payload (api/graphql_auth.py).
- Health endpoints are not wrapped at all.
"""

from __future__ import annotations

import logging

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import AuthenticationFailed, TokenVerifier, bearer_token
from api.auth_settings import AuthSettings
from db.principal import ANONYMOUS_SUBJECT, Principal
from schema.security.authentication import PRINCIPAL_SCOPE_KEY

log = logging.getLogger(__name__)

AUTH_ERROR_SCOPE_KEY = "allot.auth_error"
"""Scope key of a WebSocket handshake's bad-header message, answered at connection_init."""


class PrincipalUser(BaseUser):
    """Starlette's view of a Principal (``request.user``)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.principal.subject

    @property
    def identity(self) -> str:
        return self.principal.subject


class BearerBackend(AuthenticationBackend):
    """Verifies the bearer header; no header is anonymous (demo role or nobody)."""

    def __init__(self, verifier: TokenVerifier, settings: AuthSettings) -> None:
        self.verifier = verifier
        self.settings = settings

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        """A (credentials, user) pair, None when anonymous; AuthenticationError when bad."""
        try:
            token = bearer_token(conn.headers.get("authorization"))
            principal = await self.verifier.verify_async(token) if token else None
        except AuthenticationFailed as exc:
            if conn.scope["type"] == "websocket":  # rejected with 4403 at connection_init
                conn.scope[AUTH_ERROR_SCOPE_KEY] = str(exc)
                return None
            raise AuthenticationError(str(exc)) from None
        if principal is None and conn.scope["type"] == "http":
            principal = anonymous_principal(self.settings)  # WebSockets: at connection_init
        if principal is None:
            return None
        conn.scope[PRINCIPAL_SCOPE_KEY] = principal
        return AuthCredentials(["authenticated", principal.role.value]), PrincipalUser(principal)


def anonymous_principal(settings: AuthSettings) -> Principal | None:
    """The demo principal for requests without a token, None when anonymity is off."""
    if settings.demo_anonymous_role is None:
        return None
    return Principal(subject=ANONYMOUS_SUBJECT, role=settings.demo_anonymous_role)


def unauthorized(message: str) -> JSONResponse:
    """A 401 in GraphQL-over-HTTP error form, with the Bearer challenge."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="allot"'},
    )


def _on_error(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    return unauthorized(str(exc))


class RequirePrincipal:
    """ASGI gate in front of GraphQL: HTTP requests without a principal get 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        anonymous = scope["type"] == "http" and scope.get(PRINCIPAL_SCOPE_KEY) is None
        if anonymous and not _is_ide_page(HTTPConnection(scope)):
            response = unauthorized(
                "Authentication required: send 'Authorization: Bearer <token>' "
                "(a development token: allot token --role VIEWER)"
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_ide_page(conn: HTTPConnection) -> bool:
    """A browser asking for the GraphiQL page (no query): served without a token."""
    return (
        conn.scope.get("method") == "GET"
        and "query" not in conn.query_params
        and "text/html" in conn.headers.get("accept", "")
    )


def guard_graphql(app: ASGIApp, settings: AuthSettings) -> ASGIApp:
    """Wrap the GraphQL app: verify bearer headers, then refuse anonymous HTTP requests."""
    if settings.demo_anonymous_role is not None:
        log.warning(
            "requests without a token are served as %s (demo; ALLOT_DEMO_ANONYMOUS_ROLE)",
            settings.demo_anonymous_role.value,
        )
    backend = BearerBackend(TokenVerifier(settings), settings)
    return AuthenticationMiddleware(RequirePrincipal(app), backend=backend, on_error=_on_error)


def cors_middleware(settings: AuthSettings) -> list[Middleware]:
    """CORS for the configured browser origins (none configured: no CORS headers at all)."""
    if not settings.allowed_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
    ]
