"""Compare two solved scenarios: accounts that move between partners and the KPI deltas.

A move is an account in both scopes whose partner differs (None where it is unassigned);
accounts in only one scope are not moves. Deltas are other minus base, per territory, track and
tier, with groups present in either result (zeros where absent).
"""

from __future__ import annotations

from db.repositories._sql import Executor, Key, Page, page_of
from db.results.kpis import kpis
from db.results.models import Breakdown, BreakdownDelta, Comparison, Dimension, Move

_SIDES = """
WITH b AS (
    SELECT account_id, partner_id, expected_revenue_cents AS revenue
      FROM scenario_assignments WHERE scenario_id = $1
    UNION ALL
    SELECT account_id, NULL, 0 FROM scenario_unassigned WHERE scenario_id = $1
), o AS (
    SELECT account_id, partner_id, expected_revenue_cents AS revenue
      FROM scenario_assignments WHERE scenario_id = $2
    UNION ALL
    SELECT account_id, NULL, 0 FROM scenario_unassigned WHERE scenario_id = $2
)
"""
MOVES = (
    _SIDES
    + """
SELECT b.account_id, b.partner_id AS from_partner_id, o.partner_id AS to_partner_id,
       b.revenue AS base_revenue, o.revenue AS other_revenue
  FROM b JOIN o USING (account_id)
 WHERE b.partner_id IS DISTINCT FROM o.partner_id AND b.account_id > $3
 ORDER BY b.account_id
 LIMIT $4
"""
)
MOVE_COUNT = (
    _SIDES
    + """
SELECT count(*) FROM b JOIN o USING (account_id) WHERE b.partner_id IS DISTINCT FROM o.partner_id
"""
)


async def moves_page(
    db: Executor, base_id: int, other_id: int, after: Key | None, limit: int
) -> Page[Move]:
    """A page of the accounts that move from ``base_id`` to ``other_id``, by account id."""
    start = after[0] if after is not None else 0
    rows = await db.fetch(MOVES, base_id, other_id, start, limit + 1)
    return page_of(
        rows,
        limit,
        lambda r: Move(
            r["account_id"],
            r["from_partner_id"],
            r["to_partner_id"],
            r["base_revenue"],
            r["other_revenue"],
        ),
        lambda r: (r["account_id"],),
    )


async def move_count(db: Executor, base_id: int, other_id: int) -> int:
    """How many accounts move between the two results."""
    return int(await db.fetchval(MOVE_COUNT, base_id, other_id))


def _deltas(base: list[Breakdown], other: list[Breakdown]) -> list[BreakdownDelta]:
    """Outer-join two breakdown lists on (dimension, key): at most a few hundred groups."""
    zero = (0, 0)
    left = {(b.dimension, b.key): (b.accounts, b.expected_revenue_cents) for b in base}
    right = {(b.dimension, b.key): (b.accounts, b.expected_revenue_cents) for b in other}
    order = list(Dimension)
    keys = sorted(left.keys() | right.keys(), key=lambda k: (order.index(k[0]), k[1]))
    return [
        BreakdownDelta(
            dim,
            key,
            left.get((dim, key), zero)[0],
            right.get((dim, key), zero)[0],
            left.get((dim, key), zero)[1],
            right.get((dim, key), zero)[1],
        )
        for dim, key in keys
    ]


async def compare(db: Executor, base_id: int, other_id: int) -> Comparison:
    """KPIs of both results, the move count and the breakdown deltas (other minus base)."""
    base = await kpis(db, base_id)
    other = await kpis(db, other_id)
    deltas = _deltas(list(base.breakdown), list(other.breakdown))
    return Comparison(
        base_id=base_id,
        other_id=other_id,
        base=base,
        other=other,
        moved_accounts=await move_count(db, base_id, other_id),
        deltas=tuple(deltas),
    )
