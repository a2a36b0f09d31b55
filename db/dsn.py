"""Small helpers for PostgreSQL connection URLs: switch database, hide secrets in logs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def with_database(dsn: str, database: str) -> str:
    """Return `dsn` pointing at `database` on the same server (host, socket, user kept)."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"database URL: scheme must be postgresql://, got {parts.scheme!r}")
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(dsn: str) -> str:
    """Return the database a URL names (the path), or "" when it names none."""
    return urlsplit(dsn).path.lstrip("/")


def redact(dsn: str) -> str:
    """Return `dsn` with its password replaced by `***`, safe to log or print."""
    parts = urlsplit(dsn)
    if parts.password is None or parts.password == "":
        return dsn
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(
        (parts.scheme, f"{user}:***@{hostinfo}", parts.path, parts.query, parts.fragment)
    )
