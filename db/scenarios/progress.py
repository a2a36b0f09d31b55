"""Solve progress over PostgreSQL NOTIFY, and a per-process Listener that survives reconnects.

A worker calls ``publish``: it writes the snapshot to ``scenarios.progress`` (the current
state, read first by every new subscriber) and NOTIFYs ``allot_solve_progress`` with a small
JSON payload (scenario id, status and numbers; far below the 8000-byte limit). A process keeps
one ``Listener``: one dedicated connection (a LISTEN on a pooled connection is silently lost),
re-opened when it drops; after a reconnect every subscriber gets a ``RESYNC`` event, because
notifications sent while the connection was down are lost and the state must be re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from db.pool import connect
from db.repositories._sql import Executor

log = logging.getLogger(__name__)

CHANNEL = "allot_solve_progress"
LISTENER_NAME = "allot-progress-listener"
"""application_name of the listener's connection (pg_stat_activity shows which one it is)."""
RESYNC: dict[str, Any] = {"resync": True}
"""Event a subscriber receives after the listener reconnected: re-read the current state."""


def event(scenario_id: int, status: str, **numbers: Any) -> dict[str, Any]:
    """A progress event: scenario id, status, and any of incumbent/bound/gap/elapsed_s."""
    return {"scenario_id": scenario_id, "status": status, **numbers}


async def publish(ex: Executor, payload: dict[str, Any], *, store: bool = True) -> None:
    """Store the snapshot as the scenario's current progress (if ``store``) and NOTIFY it."""
    text = json.dumps(payload, separators=(",", ":"))
    if store:
        await ex.execute(
            "UPDATE scenarios SET progress = $2 WHERE id = $1", payload["scenario_id"], payload
        )
    await ex.execute("SELECT pg_notify($1, $2)", CHANNEL, text)


class Listener:
    """One LISTEN connection per process, fanned out to per-scenario subscriber queues."""

    def __init__(
        self,
        dsn: str | Callable[[], Awaitable[asyncpg.Connection]],
        *,
        retry_s: float = 0.5,
        check_s: float = 2.0,
    ) -> None:
        self.dsn = dsn
        self.retry_s = retry_s
        self.check_s = check_s
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._subs: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the connect/reconnect loop and wait for the first connection."""
        self._task = asyncio.create_task(self._run(), name="allot-progress-listener")
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        del conn, pid, channel
        assert isinstance(payload, str)
        try:
            data = json.loads(payload)
            queues = self._subs.get(int(data["scenario_id"]), set())
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring malformed progress payload %r", payload[:200])
            return
        for q in queues:
            q.put_nowait(data)

    async def _run(self) -> None:
        first = True
        while True:
            try:
                self._conn = await (connect(self.dsn) if isinstance(self.dsn, str) else self.dsn())
                await self._conn.add_listener(CHANNEL, self._on_notify)
                self.connected.set()
                if not first:
                    self.reconnects += 1
                    for queues in self._subs.values():
                        for q in queues:
                            q.put_nowait(RESYNC)
                first = False
                while not self._conn.is_closed():
                    await asyncio.sleep(self.check_s)
                    await asyncio.wait_for(self._conn.execute("SELECT 1"), timeout=self.check_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost or refused: retry
                log.warning("progress listener connection lost (%s); reconnecting", exc)
            self.connected.clear()
            await self._close()
            await asyncio.sleep(self.retry_s)

    async def kill_connection(self) -> None:
        """Drop the current connection (tests: shows that the listener reconnects)."""
        if self._conn is not None:
            self._conn.terminate()

    @contextlib.asynccontextmanager
    async def subscribe(self, scenario_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of this scenario's events for the duration of the block."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subs.setdefault(scenario_id, set()).add(queue)
        try:
            yield queue
        finally:
            subs = self._subs.get(scenario_id)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[scenario_id]


_LISTENERS: dict[int, tuple[asyncpg.Pool, Listener]] = {}
"""Listeners by pool; the pool is held too, so that its id cannot be reused while listed."""


def _connect_like(pool: asyncpg.Pool) -> Callable[[], Awaitable[asyncpg.Connection]]:
    """A factory of connections with the pool's own connect arguments (not pooled)."""
    # asyncpg keeps a pool's connect arguments only in these private attributes.
    args = list(getattr(pool, "_connect_args", ()))
    kwargs = dict(getattr(pool, "_connect_kwargs", {}))
    settings = dict(kwargs.get("server_settings") or {})
    kwargs["server_settings"] = {**settings, "application_name": LISTENER_NAME}

    async def make() -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(*args, **kwargs)
        return conn

    return make


async def listener_for(pool: asyncpg.Pool) -> Listener:
    """The process's listener for the database of ``pool``, started on first use.

    Listeners of pools that have been closed meanwhile are stopped and forgotten here.
    """
    for key, (other, old) in list(_LISTENERS.items()):
        if other.is_closing():
            del _LISTENERS[key]
            await old.stop()
    entry = _LISTENERS.get(id(pool))
    if entry is None:
        listener = Listener(_connect_like(pool))
        _LISTENERS[id(pool)] = (pool, listener)
        await listener.start()
        return listener
    await asyncio.wait_for(entry[1].connected.wait(), timeout=30)
    return entry[1]


async def close_listener(pool: asyncpg.Pool) -> None:
    """Stop the listener of ``pool``, if it has one (when the app that owns the pool stops)."""
    entry = _LISTENERS.pop(id(pool), None)
    if entry is not None:
        await entry[1].stop()


async def close_listeners() -> None:
    """Stop every listener of this process (at shutdown)."""
    while _LISTENERS:
        _, (_, listener) = _LISTENERS.popitem()
        await listener.stop()
