"""Service settings from the environment and an optional `.env` file, validated once at start.

| variable | default | meaning |
|---|---|---|
| DATABASE_URL | (unset) | PostgreSQL URL; unset: an embedded server in the data folder |
| ALLOT_HOST | 127.0.0.1 | interface to listen on |
| ALLOT_PORT | 8000 | port to listen on (0: any free port) |
| ALLOT_DATA_DIR | $XDG_DATA_HOME/allot or ~/.local/share/allot | embedded PostgreSQL data |
| ALLOT_LOG_LEVEL | INFO | DEBUG, INFO, WARNING, ERROR or CRITICAL |
| ALLOT_PRODUCTION | false | true: no GraphiQL, no introspection |
| ALLOT_POOL_MIN_SIZE / ALLOT_POOL_MAX_SIZE | 2 / 10 | database connections per process |

Security settings (tokens, origins, trusted documents) are read from the same values by
api/auth_settings.py into `Settings.auth`.

Real environment variables win over `.env` (read from the working directory).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

from api.auth_settings import AuthSettings
from db.dsn import redact

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the rule."""


class Secret:
    """A value that must not be printed or logged in full: repr and str show a redacted form."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value: pass it to the driver, never to a log."""
        return self._value

    def __str__(self) -> str:
        return redact(self._value)

    def __repr__(self) -> str:
        return f"Secret({redact(self._value)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """Per-user data folder: $XDG_DATA_HOME/allot, else ~/.local/share/allot."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "allot"


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, already validated."""

    database_url: Secret | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=lambda: default_data_dir(os.environ))
    log_level: str = "INFO"
    production: bool = False
    pool_min_size: int = 2
    pool_max_size: int = 10
    auth: AuthSettings = field(default_factory=AuthSettings)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read the settings: `environ` (default os.environ) over `env_file` (if it exists)."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        url = values.get("DATABASE_URL", "").strip()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise SettingsError("DATABASE_URL: must start with postgresql:// (or postgres://)")
        min_size = _int(values, "ALLOT_POOL_MIN_SIZE", 2, 1, 1000)
        max_size = _int(values, "ALLOT_POOL_MAX_SIZE", 10, 1, 1000)
        if max_size < min_size:
            raise SettingsError(
                f"ALLOT_POOL_MAX_SIZE: must be >= ALLOT_POOL_MIN_SIZE ({min_size}), got {max_size}"
            )
        data_dir = values.get("ALLOT_DATA_DIR", "").strip()
        production = _bool(values, "ALLOT_PRODUCTION")
        return cls(
            database_url=Secret(url) if url else None,
            host=values.get("ALLOT_HOST", "").strip() or "127.0.0.1",
            port=_int(values, "ALLOT_PORT", 8000, 0, 65535),
            data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(values),
            log_level=_log_level(values),
            production=production,
            pool_min_size=min_size,
            pool_max_size=max_size,
            auth=AuthSettings.from_env(values, production=production),
        )

    def with_database_url(self, url: str) -> Settings:
        """A copy pointing at `url` (e.g. the embedded server's, once it has started)."""
        return replace(self, database_url=Secret(url))


def _int(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Parse an integer setting within [low, high]."""
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}: must be between {low} and {high}, got {value}")
    return value


def _bool(values: Mapping[str, str], name: str) -> bool:
    """Parse a boolean setting: 1/true/yes/on or 0/false/no/off (any case)."""
    raw = values.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name}: must be true or false (1/0, yes/no, on/off), got {raw!r}")


def _log_level(values: Mapping[str, str]) -> str:
    """Parse ALLOT_LOG_LEVEL: one of the standard logging level names."""
    raw = values.get("ALLOT_LOG_LEVEL", "").strip().upper() or "INFO"
    if raw not in LOG_LEVELS:
        raise SettingsError(f"ALLOT_LOG_LEVEL: must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw
