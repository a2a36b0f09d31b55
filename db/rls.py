"""Partner reads under row-level security (migration 0021_partner_rls.sql).

``as_partner`` runs a read in its own transaction as the non-owner role ``allot_partner``
with ``app.partner_id`` set for that transaction only, so the database itself hides every
other partner's rows even if a query forgot its ``partner_id`` filter. Both settings end with
the transaction; the pooled connection goes back clean.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from db.pool import AnyConnection

T = TypeVar("T")

PARTNER_ROLE = "allot_partner"


async def enter_partner(conn: AnyConnection, partner_id: int) -> None:
    """Inside a transaction: become ``allot_partner`` bound to ``partner_id``."""
    await conn.execute("SELECT set_config('app.partner_id', $1, true)", str(partner_id))
    await conn.execute(f"SET LOCAL ROLE {PARTNER_ROLE}")


async def as_partner(
    pool: asyncpg.Pool, partner_id: int, read: Callable[[AnyConnection], Awaitable[T]]
) -> T:
    """Run ``read(conn)`` in a read-only transaction under the partner's row-level security."""
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        await enter_partner(conn, partner_id)
        return await read(conn)
