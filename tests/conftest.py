"""Shared database fixtures: every test gets its own database, cloned from a session template.

- `database_url` / `pool`: a fresh, migrated, empty database.
- `seeded_database_url` / `seeded_pool`: a fresh database holding the small synthetic channel
  `SEEDED_CHANNEL` (seed 1: 300 accounts, 20 partners, 6 territories, 10 specialists);
  `seeded_channel` is that channel as generated, to compare against.
- `make_database`: extra databases (`await make_database("empty")`), dropped after the test.
- `databases` / `pg_server_url`: the server and its database factory, for anything else.

The server is TEST_DATABASE_URL when set, else an embedded PostgreSQL (see tests/pgtools.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest

from db.migrate import migrate
from db.pool import create_pool
from db.seed import seed
from solver.synthetic import SyntheticChannel, generate_channel
from tests.pgtools import Databases, postgres_server

SEEDED_CHANNEL: dict[str, int] = {
    "seed": 1,
    "accounts": 300,
    "partners": 20,
    "territories": 6,
    "specialists": 10,
}


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of the PostgreSQL server the tests create their databases on."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def databases(pg_server_url: str) -> AsyncIterator[Databases]:
    """Factory of uniquely named databases; drops whatever is left at session end."""
    factory = Databases(pg_server_url)
    yield factory
    await factory.drop_all()


@pytest.fixture(scope="session")
async def migrated_template(databases: Databases) -> str:
    """Name of a database migrated once per session, the template of `database_url`."""
    name = await databases.create(kind="tmpl")
    await migrate(databases.url(name))
    return name


@pytest.fixture(scope="session")
def seeded_channel() -> SyntheticChannel:
    """The synthetic channel loaded into `seeded_database_url` (SEEDED_CHANNEL parameters)."""
    return generate_channel(**SEEDED_CHANNEL)


@pytest.fixture(scope="session")
async def seeded_template(
    databases: Databases, migrated_template: str, seeded_channel: SyntheticChannel
) -> str:
    """Name of a migrated database holding `seeded_channel`, made once per session."""
    name = await databases.create(template=migrated_template, kind="seeded_tmpl")
    conn = await asyncpg.connect(databases.url(name))
    try:
        await seed(conn, seeded_channel)
    finally:
        await conn.close()
    return name


@pytest.fixture
async def make_database(
    databases: Databases, migrated_template: str
) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Async factory of extra databases, all dropped after the test.

    `await make_database("migrated")` (default) clones the migrated template,
    `await make_database("empty")` makes a database with no tables at all, and any other
    argument is taken as a template database name (e.g. the `seeded_template` fixture's).
    """
    made: list[str] = []

    async def make(template: str = "migrated") -> str:
        source = {"empty": "template0", "migrated": migrated_template}.get(template, template)
        name = await databases.create(template=source)
        made.append(name)
        return databases.url(name)

    yield make
    for name in made:
        await databases.drop(name)


@pytest.fixture
async def database_url(databases: Databases, migrated_template: str) -> AsyncIterator[str]:
    """URL of a fresh migrated database with no rows, dropped after the test."""
    name = await databases.create(template=migrated_template)
    yield databases.url(name)
    await databases.drop(name)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Pool on `database_url` (empty migrated database), closed after the test."""
    p = await create_pool(database_url, min_size=1, max_size=4)
    yield p
    await p.close()


@pytest.fixture
async def seeded_database_url(databases: Databases, seeded_template: str) -> AsyncIterator[str]:
    """URL of a fresh database holding `seeded_channel`, dropped after the test."""
    name = await databases.create(template=seeded_template)
    yield databases.url(name)
    await databases.drop(name)


@pytest.fixture
async def seeded_pool(seeded_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Pool on `seeded_database_url`, closed after the test."""
    p = await create_pool(seeded_database_url, min_size=1, max_size=4)
    yield p
    await p.close()
