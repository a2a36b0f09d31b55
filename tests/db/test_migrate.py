"""Migrations: applied in order once, safe under concurrency, edited files refused."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from db.migrate import MIGRATIONS_DIR, MigrationError, discover, migrate

MakeDatabase = Callable[[str], Awaitable[str]]


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


def test_discover_reads_files_in_version_order() -> None:
    migrations = discover()
    assert migrations[0].name == "0001_channel.sql"
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    assert len(migrations) == len(list(MIGRATIONS_DIR.glob("*.sql")))


async def test_fresh_database_gets_every_migration_recorded(make_database: MakeDatabase) -> None:
    url = await make_database("empty")
    names = await migrate(url)
    assert names == [m.name for m in discover()]
    rows = await _fetch(url, "SELECT version, name, checksum FROM schema_migrations ORDER BY 1")
    assert [(r["version"], r["name"], r["checksum"]) for r in rows] == [
        (m.version, m.name, m.checksum) for m in discover()
    ]
    tables = await _fetch(url, "SELECT to_regclass('accounts') AS t")
    assert tables[0]["t"] is not None


async def test_name_search_has_trigram_indexes(make_database: MakeDatabase) -> None:
    """pg_trgm is created by the migrations (local server and embedded PostgreSQL alike) and
    the accounts/partners name filters' expression has a trigram index, used by a search."""
    url = await make_database("empty")
    await migrate(url)
    rows = await _fetch(url, "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm%'")
    assert {r["indexname"] for r in rows} == {"accounts_name_trgm_idx", "partners_name_trgm_idx"}
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET enable_seqscan = off")  # an empty table: force the choice
        plan = await conn.fetch(
            "EXPLAIN SELECT id FROM partners p WHERE lower(p.name) LIKE '%north%'"
        )
    finally:
        await conn.close()
    assert "partners_name_trgm_idx" in "\n".join(r[0] for r in plan)


async def test_second_run_applies_nothing(database_url: str) -> None:
    assert await migrate(database_url) == []


async def test_accepts_pool_and_connection(make_database: MakeDatabase) -> None:
    url = await make_database("empty")
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        assert await migrate(pool) == [m.name for m in discover()]
        async with pool.acquire() as conn:
            assert await migrate(conn) == []
    finally:
        await pool.close()


async def test_concurrent_runs_apply_each_migration_once(make_database: MakeDatabase) -> None:
    url = await make_database("empty")
    first, second = await asyncio.gather(migrate(url), migrate(url))
    # The advisory lock serialises them: one applies everything, the other finds nothing to do.
    assert sorted([first, second], key=len) == [[], [m.name for m in discover()]]
    rows = await _fetch(url, "SELECT count(*) AS n FROM schema_migrations")
    assert rows[0]["n"] == len(discover())


def _copy_migrations(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    return directory


async def test_edited_migration_is_refused_naming_the_file(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    url = await make_database("empty")
    directory = _copy_migrations(tmp_path)
    await migrate(url, directory=directory)
    edited = directory / "0001_channel.sql"
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match=r"0001_channel\.sql was edited after it was applied"):
        await migrate(url, directory=directory)


async def test_new_migration_applies_after_existing_ones(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    url = await make_database("empty")
    directory = _copy_migrations(tmp_path)
    await migrate(url, directory=directory)
    (directory / "9001_extra.sql").write_text("CREATE TABLE extra (id int);")
    assert await migrate(url, directory=directory) == ["9001_extra.sql"]
    rows = await _fetch(url, "SELECT to_regclass('extra') AS t")
    assert rows[0]["t"] is not None


async def test_failing_migration_rolls_back_and_is_not_recorded(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    url = await make_database("empty")
    directory = _copy_migrations(tmp_path)
    (directory / "9001_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();"
    )
    with pytest.raises(MigrationError, match=r"9001_broken\.sql failed"):
        await migrate(url, directory=directory)
    rows = await _fetch(
        url,
        "SELECT to_regclass('half_done') AS t, (SELECT max(version) FROM schema_migrations) AS v",
    )
    assert rows[0]["t"] is None
    assert rows[0]["v"] == max(m.version for m in discover())


async def test_applied_migration_with_missing_file_is_refused(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    url = await make_database("empty")
    directory = _copy_migrations(tmp_path)
    (directory / "9001_extra.sql").write_text("CREATE TABLE extra (id int);")
    await migrate(url, directory=directory)
    (directory / "9001_extra.sql").unlink()
    with pytest.raises(MigrationError, match=r"9001_extra\.sql is applied .* file is missing"):
        await migrate(url, directory=directory)


@pytest.mark.parametrize("bad", ["1_short.sql", "0002-dash.sql", "0002_Upper.sql"])
def test_bad_file_names_are_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / bad).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="migration file names must look like"):
        discover(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"version 0001 is also used by 0001_a\.sql"):
        discover(tmp_path)
