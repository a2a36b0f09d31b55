"""A scenario's assignments as flat rows for CSV, streamed with a server-side cursor.

Rows come in expected-revenue order (highest first) with the names a spreadsheet user needs;
the cursor keeps memory flat for 50,000-account scenarios.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from db.errors import NotFound
from db.pool import AnyConnection

HEADER: tuple[str, ...] = (
    "account_id",
    "external_ref",
    "account_name",
    "territory",
    "partner_id",
    "partner_name",
    "track",
    "tier",
    "specialist_ids",
    "expected_revenue_cents",
    "next_best_partner_id",
    "regret_cents",
)
ROWS = """
SELECT sa.account_id, a.external_ref, a.name AS account_name, t.code AS territory,
       sa.partner_id, p.name AS partner_name, p.track, p.tier,
       array_to_string(sa.specialist_ids, ';') AS specialist_ids,
       sa.expected_revenue_cents, sa.next_best_partner_id, sa.regret_cents
  FROM scenario_assignments sa
  JOIN accounts a ON a.id = sa.account_id
  JOIN territories t ON t.id = a.territory_id
  JOIN partners p ON p.id = sa.partner_id
 WHERE sa.scenario_id = $1
 ORDER BY sa.expected_revenue_cents DESC, sa.account_id DESC
"""
PREFETCH = 2000


async def rows(conn: AnyConnection, scenario_id: int) -> AsyncIterator[tuple[Any, ...]]:
    """Yield one tuple per assignment in ``HEADER`` order; ``NotFound`` for an unknown id.

    Opens its own transaction (a cursor needs one) on ``conn``.
    """
    async with conn.transaction(readonly=True):
        if await conn.fetchval("SELECT 1 FROM scenarios WHERE id = $1", scenario_id) is None:
            raise NotFound("Scenario", scenario_id)
        async for r in conn.cursor(ROWS, scenario_id, prefetch=PREFETCH):
            yield tuple(r[name] for name in HEADER)
