"""Tokens and principals for tests: a fixed HS256 secret, tokens per role, contexts with a
principal for tests that call ``schema.execute`` directly.

    Settings(auth=TEST_AUTH)                      # an app that accepts these tokens
    client.post(..., headers=bearer(admin_token()))
    schema.execute(q, context_value=context_for(pool, Role.PARTNER, partner_id=3))
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import mint_token
from api.auth_settings import AuthSettings, SecretText
from db.principal import Principal, Role
from schema.context import Context
from schema.security.authentication import PRINCIPAL_SCOPE_KEY

TEST_SECRET = "test-secret-for-allot-tests-0123456789abcdef"
TEST_AUTH = AuthSettings(jwt_secret=SecretText(TEST_SECRET))
"""Security settings of test apps: HS256 with TEST_SECRET, issuer and audience ``allot``."""

ADMIN = Principal(subject="test-admin", role=Role.ADMIN)


def token_for(
    role: Role | str, partner_id: int | None = None, *, subject: str | None = None, ttl: int = 600
) -> str:
    """A valid token for ``role`` (and ``partner_id`` for PARTNER) that TEST_AUTH accepts."""
    role = Role(role)
    return mint_token(
        TEST_AUTH,
        subject=subject or f"test-{role.value.lower()}",
        role=role,
        partner_id=partner_id,
        ttl_seconds=ttl,
    )


def admin_token() -> str:
    """A valid ADMIN token for TEST_AUTH apps."""
    return token_for(Role.ADMIN, subject=ADMIN.subject)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


def raw_token(claims: dict[str, Any], *, key: Any = TEST_SECRET, algorithm: str = "HS256") -> str:
    """A token with exactly ``claims`` (defaults for none), for edge cases."""
    return jwt.encode(claims, key, algorithm=algorithm)


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid ADMIN claims for TEST_AUTH; ``overrides`` replace (None removes) a claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "edge",
        "role": "ADMIN",
        "iss": "allot",
        "aud": "allot",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def with_principal(app: ASGIApp, principal: Principal = ADMIN) -> ASGIApp:
    """``app`` as if api/guard.py had authenticated ``principal`` (for bare schema apps)."""

    async def authenticated(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, PRINCIPAL_SCOPE_KEY: principal}, receive, send)

    return authenticated


def context_for(
    pool: asyncpg.Pool, role: Role | str = Role.ADMIN, partner_id: int | None = None
) -> Context:
    """A schema context with a principal of ``role`` (ADMIN by default)."""
    role = Role(role)
    principal = (
        ADMIN if role is Role.ADMIN else Principal(f"test-{role.value.lower()}", role, partner_id)
    )
    return Context(pool=pool, principal=principal)
