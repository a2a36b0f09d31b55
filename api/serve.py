"""Running the service: pick the database (DATABASE_URL or embedded), prepare it, serve HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from api.app import create_app
from api.embedded import embedded_database
from api.settings import Settings
from db.migrate import migrate
from db.pool import connect
from db.seed import SeedError, has_channel_data, seed
from solver.synthetic import generate_channel

log = logging.getLogger(__name__)

# `allot serve` loads this much demo data into an empty database (the defaults).
DEMO_SIZE = {"accounts": 5000, "partners": 250, "territories": 40, "specialists": 60}


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """Yield the database URL: DATABASE_URL, else the embedded server's, stopped on exit."""
    if settings.database_url is not None:
        yield settings.database_url.reveal()
        return
    log.info("DATABASE_URL is not set: embedded PostgreSQL in %s", settings.data_dir)
    with embedded_database(settings.data_dir) as url:
        yield url


async def prepare(url: str, *, demo_accounts: int | None) -> None:
    """Apply migrations; when `demo_accounts` is given and the database is empty, seed demo data."""
    conn = await connect(url)
    try:
        applied = await migrate(conn)
        if applied:
            print(f"applied migrations: {', '.join(applied)}", flush=True)
        if demo_accounts is None or await has_channel_data(conn):
            return
        started = time.perf_counter()
        channel = generate_channel(seed=0, **{**DEMO_SIZE, "accounts": demo_accounts})
        try:
            counts = await seed(conn, channel)
        except SeedError:
            return  # another process loaded it since the check above
        print(
            f"loaded demo data: {counts.accounts} accounts, {counts.partners} partners, "
            f"{counts.territories} territories, {counts.specialists} specialists "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    finally:
        await conn.close()


class _Server(uvicorn.Server):
    """uvicorn's server, announcing its URL once startup (lifespan included) has succeeded."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and sockets:
            host, port = sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"allot listening on http://{shown}:{port}/graphql", flush=True)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM behaves like Ctrl-C: unwind, so the embedded server is stopped cleanly."""
    raise KeyboardInterrupt


def run(settings: Settings, *, demo_accounts: int | None) -> int:
    """Serve until Ctrl-C or SIGTERM; return the exit code (0 after a clean stop)."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with database(settings) as url:
            asyncio.run(prepare(url, demo_accounts=demo_accounts))
            config = uvicorn.Config(
                create_app(settings.with_database_url(url)),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level.lower(),
                lifespan="on",
                timeout_graceful_shutdown=10,
            )
            try:
                sock = config.bind_socket()
            except SystemExit:  # uvicorn has logged why (address in use, bad host, ...)
                return 1
            server = _Server(config)
            server.run(sockets=[sock])
            return 0 if server.started else 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
