"""Bearer token verification (PyJWT): HS256 shared secret, RS256 from a PEM file or a JWKS URL.

Every failure is an ``AuthenticationFailed`` whose message says what is wrong with the token
(alg none, wrong signature, expired, missing claim, wrong issuer/audience, malformed), so the
401 answer is actionable without leaking anything secret. ``exp``, ``sub``, ``iss``, ``aud``
and ``role`` are required; ``partner_id`` is required for PARTNER and refused otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jwt
from jwt import PyJWKClient, PyJWKSet
from jwt.algorithms import RSAAlgorithm

from api.auth_settings import AuthSettings, AuthSettingsError
from db.principal import Principal, PrincipalError, Role, parse_role

ACCEPTED_ALGORITHMS = ("HS256", "RS256")
REQUIRED_CLAIMS = ["exp", "sub", "iss", "aud"]
JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5


class AuthenticationFailed(Exception):
    """A token (or its absence) does not authenticate; the message says why, for the client."""


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is no header."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Authorization header must be 'Bearer <token>'")
    return token.strip()


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``AuthenticationFailed``."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self._secret = settings.jwt_secret.reveal() if settings.jwt_secret else None
        self._public_key: Any = None
        if settings.jwt_public_key_file is not None:
            pem = settings.jwt_public_key_file.read_bytes()
            try:  # a bad key file fails at start-up, not at the first request
                self._public_key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(pem)
            except (jwt.InvalidKeyError, ValueError) as exc:
                raise AuthSettingsError(
                    f"ALLOT_JWT_PUBLIC_KEY_FILE: not an RSA public key in PEM form: {exc}"
                ) from None
        self._jwks: PyJWKClient | None = None
        self._jwks_file: PyJWKSet | None = None
        if settings.jwks_url and settings.jwks_url.startswith("file:"):
            self._jwks_file = _read_jwks_file(settings.jwks_url)
        elif settings.jwks_url:
            self._jwks = PyJWKClient(
                settings.jwks_url,
                cache_keys=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=JWKS_TIMEOUT_SECONDS,
            )

    async def verify_async(self, token: str) -> Principal:
        """``verify`` off the event loop when a JWKS fetch may block, inline otherwise."""
        if self._jwks is not None and _algorithm(token) == "RS256":
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)

    def verify(self, token: str) -> Principal:
        """Check signature, algorithm, expiry, issuer and audience; map the claims."""
        algorithm = _algorithm(token)
        key = self._key(algorithm, token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("Token expired (exp is in the past)") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationFailed("Token not valid yet (nbf or iat in the future)") from None
        except jwt.InvalidSignatureError:
            raise AuthenticationFailed("Token signature verification failed") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationFailed(f"Token has no '{exc.claim}' claim") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationFailed(
                f"Token audience (aud) is not {self.settings.audience!r}"
            ) from None
        except jwt.InvalidIssuerError:
            raise AuthenticationFailed(
                f"Token issuer (iss) is not {self.settings.issuer!r}"
            ) from None
        except jwt.DecodeError:
            raise AuthenticationFailed("Malformed token: not a signed JWT") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"Invalid token: {exc}") from None
        return principal_from_claims(claims)

    def _key(self, algorithm: str, token: str) -> Any:
        """The verification key for ``algorithm``; refuse algorithms we have no key for."""
        if algorithm == "HS256":
            if self._secret is None:
                raise AuthenticationFailed("HS256 tokens are not accepted: no shared secret set")
            return self._secret
        if self._jwks is not None:
            try:
                return self._jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError:
                raise AuthenticationFailed("Token keys (JWKS) could not be fetched") from None
            except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
                raise AuthenticationFailed(f"No matching key in the JWKS: {exc}") from None
        if self._jwks_file is not None:
            kid = jwt.get_unverified_header(token).get("kid")
            for jwk in self._jwks_file.keys:
                if jwk.key_id == kid:
                    return jwk.key
            raise AuthenticationFailed(f"No matching key in the JWKS: no key with kid {kid!r}")
        if self._public_key is not None:
            return self._public_key
        raise AuthenticationFailed("RS256 tokens are not accepted: no public key or JWKS set")


def _read_jwks_file(url: str) -> PyJWKSet:
    """A JWKS from a ``file://`` URL (PyJWKClient fetches http(s) only), read once at start."""
    path = Path(url2pathname(urlsplit(url).path))
    try:
        return PyJWKSet.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, jwt.PyJWKSetError) as exc:
        raise AuthSettingsError(f"ALLOT_JWKS_URL: cannot read a JWKS from {path}: {exc}") from None


def _algorithm(token: str) -> str:
    """The token's ``alg`` header, refused unless HS256 or RS256 (``none`` first of all)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise AuthenticationFailed("Malformed token: not a signed JWT") from None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none":
        raise AuthenticationFailed("Unsigned tokens (alg none) are not accepted")
    if algorithm not in ACCEPTED_ALGORITHMS:
        raise AuthenticationFailed(
            f"Token algorithm {algorithm} is not accepted (HS256 or RS256 only)"
        )
    return algorithm


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """``sub``, ``role`` and ``partner_id`` as a Principal; bad claims fail authentication."""
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise AuthenticationFailed("Token claim sub: must be a string")
    partner_id = claims.get("partner_id")
    if partner_id is not None and (isinstance(partner_id, bool) or not isinstance(partner_id, int)):
        raise AuthenticationFailed("Token claim partner_id: must be an integer")
    try:
        return Principal(
            subject=subject, role=parse_role(claims.get("role")), partner_id=partner_id
        )
    except PrincipalError as exc:
        raise AuthenticationFailed(f"Token {exc}") from None


def mint_token(
    settings: AuthSettings,
    *,
    subject: str,
    role: Role,
    partner_id: int | None = None,
    ttl_seconds: int = 8 * 3600,
    now: float | None = None,
) -> str:
    """An HS256 development token signed with ALLOT_JWT_SECRET (``allot token``)."""
    if settings.jwt_secret is None:
        raise AuthenticationFailed("ALLOT_JWT_SECRET is not set: cannot mint a token")
    Principal(subject=subject, role=role, partner_id=partner_id)  # same rules as verification
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    if partner_id is not None:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, settings.jwt_secret.reveal(), algorithm="HS256")
