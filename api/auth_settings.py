"""Security settings from the environment: token keys, issuer/audience, origins, trusted documents.

| variable | default | meaning |
|---|---|---|
| ALLOT_JWT_SECRET | (unset) | HS256 shared secret (development; at least 32 characters) |
| ALLOT_JWT_PUBLIC_KEY_FILE | (unset) | PEM public key of the identity provider (RS256) |
| ALLOT_JWKS_URL | (unset) | JWKS URL of the identity provider (RS256; keys picked by `kid`) |
| ALLOT_JWT_ISSUER | allot | required `iss` claim |
| ALLOT_JWT_AUDIENCE | allot | required `aud` claim |
| ALLOT_JWT_LEEWAY | 30 | seconds of clock skew tolerated on `exp`/`nbf`/`iat` |
| ALLOT_DEMO_ANONYMOUS_ROLE | (unset: off) | role given to requests without a token (demo only) |
| ALLOT_ALLOWED_ORIGINS | (none) | comma-separated browser origins for CORS and WebSockets |
| ALLOT_TRUSTED_DOCUMENTS | (unset: off) | JSON file of trusted documents (persisted queries) |
| ALLOT_TRUSTED_DOCUMENTS_ROLES | PARTNER | roles that may only send trusted documents |

With no key configured every token is refused (and GraphQL answers 401) unless
ALLOT_DEMO_ANONYMOUS_ROLE is set; that setting is refused in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from db.principal import Role, parse_role
from schema.security.trusted import TrustedDocuments, TrustedDocumentsError

MIN_SECRET_LENGTH = 32
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class AuthSettingsError(ValueError):
    """A security setting has a bad value; the message names the variable and the rule."""


class SecretText:
    """A secret string that never shows in repr/str (logs, tracebacks)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the token library only."""
        return self._value

    def __repr__(self) -> str:
        return "SecretText('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretText) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class AuthSettings:
    """Everything authentication, origins and trusted documents read from the environment."""

    jwt_secret: SecretText | None = None
    jwt_public_key_file: Path | None = None
    jwks_url: str | None = None
    issuer: str = "allot"
    audience: str = "allot"
    leeway_seconds: int = 30
    demo_anonymous_role: Role | None = None
    allowed_origins: tuple[str, ...] = ()
    trusted_documents: Path | None = None
    trusted_documents_roles: frozenset[Role] = frozenset({Role.PARTNER})

    @property
    def has_keys(self) -> bool:
        """True when at least one way of verifying tokens is configured."""
        return bool(self.jwt_secret or self.jwt_public_key_file or self.jwks_url)

    @classmethod
    def from_env(cls, values: Mapping[str, str], *, production: bool = False) -> AuthSettings:
        """Read and validate the security settings from ``values`` (environment and .env)."""
        secret = values.get("ALLOT_JWT_SECRET", "")
        if secret and len(secret) < MIN_SECRET_LENGTH:
            raise AuthSettingsError(
                f"ALLOT_JWT_SECRET: must be at least {MIN_SECRET_LENGTH} characters, "
                f"got {len(secret)}"
            )
        key_file = _path(values, "ALLOT_JWT_PUBLIC_KEY_FILE")
        if key_file is not None and not key_file.is_file():
            raise AuthSettingsError(f"ALLOT_JWT_PUBLIC_KEY_FILE: no such file: {key_file}")
        jwks_url = values.get("ALLOT_JWKS_URL", "").strip() or None
        if jwks_url is not None and urlsplit(jwks_url).scheme not in ("https", "http", "file"):
            raise AuthSettingsError(
                f"ALLOT_JWKS_URL: must be an https:// (or http://, file://) URL, got {jwks_url!r}"
            )
        documents = _path(values, "ALLOT_TRUSTED_DOCUMENTS")
        if documents is not None and not documents.is_file():
            raise AuthSettingsError(f"ALLOT_TRUSTED_DOCUMENTS: no such file: {documents}")
        settings = cls(
            jwt_secret=SecretText(secret) if secret else None,
            jwt_public_key_file=key_file,
            jwks_url=jwks_url,
            issuer=_text(values, "ALLOT_JWT_ISSUER", "allot"),
            audience=_text(values, "ALLOT_JWT_AUDIENCE", "allot"),
            leeway_seconds=_leeway(values),
            demo_anonymous_role=_optional_role(values, "ALLOT_DEMO_ANONYMOUS_ROLE"),
            allowed_origins=_origins(values),
            trusted_documents=documents,
            trusted_documents_roles=_roles(values, "ALLOT_TRUSTED_DOCUMENTS_ROLES"),
        )
        _check_files(settings)
        if production and settings.demo_anonymous_role is not None:
            raise AuthSettingsError(
                "ALLOT_DEMO_ANONYMOUS_ROLE: not allowed with ALLOT_PRODUCTION=true "
                "(anonymous requests would get a role)"
            )
        return settings

    def for_demo(self, *, demo: bool, production: bool, host: str) -> AuthSettings:
        """``allot serve --demo``: anonymous requests are ADMIN, on a loopback host outside
        production only, and only when ALLOT_DEMO_ANONYMOUS_ROLE was not set otherwise."""
        if not demo or production or host not in LOOPBACK_HOSTS:
            return self
        if self.demo_anonymous_role is not None:
            return self
        return replace(self, demo_anonymous_role=Role.ADMIN)


def _check_files(settings: AuthSettings) -> None:
    """Fail at start-up, not at the first request: the key and documents files must parse."""
    if settings.jwt_public_key_file is not None:
        pem = settings.jwt_public_key_file.read_bytes()
        try:
            RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(pem)
        except (InvalidKeyError, ValueError) as exc:
            raise AuthSettingsError(
                f"ALLOT_JWT_PUBLIC_KEY_FILE: not an RSA public key in PEM form: {exc}"
            ) from None
    if settings.trusted_documents is not None:
        try:
            TrustedDocuments.load(settings.trusted_documents, settings.trusted_documents_roles)
        except TrustedDocumentsError as exc:
            raise AuthSettingsError(f"ALLOT_TRUSTED_DOCUMENTS: {exc}") from None


def _text(values: Mapping[str, str], name: str, default: str) -> str:
    return values.get(name, "").strip() or default


def _path(values: Mapping[str, str], name: str) -> Path | None:
    raw = values.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def _leeway(values: Mapping[str, str]) -> int:
    raw = values.get("ALLOT_JWT_LEEWAY", "").strip()
    if not raw:
        return 30
    if not raw.isdigit() or int(raw) > 300:
        raise AuthSettingsError(f"ALLOT_JWT_LEEWAY: must be an integer 0..300, got {raw!r}")
    return int(raw)


def _optional_role(values: Mapping[str, str], name: str) -> Role | None:
    raw = values.get(name, "").strip().upper()
    if raw in ("", "OFF", "NONE", "FALSE", "0"):
        return None
    try:
        return parse_role(raw)
    except ValueError:
        names = ", ".join(Role.__members__)
        raise AuthSettingsError(f"{name}: must be one of {names} (or off), got {raw!r}") from None


def _roles(values: Mapping[str, str], name: str) -> frozenset[Role]:
    raw = values.get(name, "").strip()
    if not raw:
        return frozenset({Role.PARTNER})
    roles: set[Role] = set()
    for part in raw.split(","):
        try:
            roles.add(parse_role(part.strip().upper()))
        except ValueError:
            names = ", ".join(Role.__members__)
            raise AuthSettingsError(
                f"{name}: comma-separated roles from {names}, got {part.strip()!r}"
            ) from None
    return frozenset(roles)


def _origins(values: Mapping[str, str]) -> tuple[str, ...]:
    raw = values.get("ALLOT_ALLOWED_ORIGINS", "").strip()
    origins: list[str] = []
    for part in filter(None, (p.strip().rstrip("/") for p in raw.split(","))):
        parts = urlsplit(part)
        if part != "*" and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise AuthSettingsError(
                f"ALLOT_ALLOWED_ORIGINS: each origin must look like https://host[:port], "
                f"got {part!r}"
            )
        origins.append(part)
    return tuple(origins)
