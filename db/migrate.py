"""Plain-SQL migrations: files `NNNN_name.sql` in db/migrations/, applied in order, once each.

Each file runs in its own transaction together with its row in `schema_migrations` (version,
name, sha256 checksum, applied_at). A session advisory lock serialises concurrent callers, so
two processes starting at once apply each migration exactly once. A migration whose file was
edited after it was applied is refused: fix it with a new migration instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from db.pool import AnyConnection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Arbitrary constant shared by every allot process: pg_advisory_lock key for migrations.
ADVISORY_LOCK_KEY = 0x616C6C6F74_01  # "allot" + 1

_FILE_RE = re.compile(r"^(?P<version>\d{4})_(?P<slug>[a-z0-9_]+)\.sql$")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """A migration cannot be applied: bad file name, edited or missing file, failing SQL."""


@dataclass(frozen=True)
class Migration:
    """One migration file: its version number, file name, SQL text and checksum."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file's text: an applied migration must keep it."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read the migration files of `directory` in version order; refuse bad names or duplicates."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_RE.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path}: migration file names must look like 0001_name.sql "
                "(4 digits, underscore, lower-case letters, digits or underscores)"
            )
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"{path}: version {version:04d} is also used by {found[version].name}"
            )
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def migrate(
    target: AnyConnection | asyncpg.Pool | str, *, directory: Path = MIGRATIONS_DIR
) -> list[str]:
    """Apply the pending migrations to `target` (connection, pool or URL); return their names."""
    migrations = discover(directory)
    if isinstance(target, str):
        conn = await asyncpg.connect(target)
        try:
            return await _migrate(conn, migrations)
        finally:
            await conn.close()
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as pooled:
            return await _migrate(pooled, migrations)
    return await _migrate(target, migrations)


async def applied(conn: AnyConnection) -> dict[int, tuple[str, str]]:
    """Return {version: (name, checksum)} of the migrations already applied (empty if none)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
    return {int(r["version"]): (str(r["name"]), str(r["checksum"])) for r in rows}


async def _migrate(conn: AnyConnection, migrations: list[Migration]) -> list[str]:
    """Hold the advisory lock while checking and applying; release it whatever happens."""
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        done = await applied(conn)
        _check_applied(done, migrations)
        names: list[str] = []
        for migration in migrations:
            if migration.version in done:
                continue
            await _apply(conn, migration)
            names.append(migration.name)
        return names
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)


def _check_applied(done: dict[int, tuple[str, str]], migrations: list[Migration]) -> None:
    """Refuse edited files and applied versions whose file is gone (code older than database)."""
    by_version = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(done.items()):
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"migration {name} is applied in the database but its file is missing from "
                "db/migrations: is this code older than the database?"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"migration {migration.name} was edited after it was applied (checksum "
                f"{migration.checksum[:12]} != applied {checksum[:12]}): restore the file and "
                "put the change in a new migration"
            )


async def _apply(conn: AnyConnection, migration: Migration) -> None:
    """Run one migration and record it, in one transaction."""
    try:
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
