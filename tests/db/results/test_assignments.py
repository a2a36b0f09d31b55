"""Assignment pages (keyset, filters, both orders), unassigned accounts and loads."""

from __future__ import annotations

import asyncpg

from db.models import Tier, Track
from db.results import assignments
from db.results.models import AssignmentFilter, AssignmentOrder, UnassignedReason
from tests.db.results.tiny import Tiny

DESC = AssignmentOrder.EXPECTED_REVENUE_DESC


async def _all(
    conn: asyncpg.Connection, sid: int, f: AssignmentFilter, order: AssignmentOrder, size: int
) -> list[int]:
    """Revenues of every row, paging ``size`` at a time through the cursors."""
    seen: list[int] = []
    after = None
    while True:
        page = await assignments.page(conn, sid, f, order, after, size)
        seen += [a.expected_revenue_cents for a in page.items]
        if not page.has_next:
            return seen
        after = page.keys[-1]


async def test_pages_walk_every_row_once_in_order(conn: asyncpg.Connection, result_a: int) -> None:
    f = AssignmentFilter()
    assert await _all(conn, result_a, f, DESC, 1) == [400, 300, 200, 100]
    assert await _all(conn, result_a, f, AssignmentOrder.EXPECTED_REVENUE_ASC, 3) == [
        100,
        200,
        300,
        400,
    ]
    assert await assignments.count(conn, result_a, f) == 4


async def test_ties_are_broken_by_account(conn: asyncpg.Connection, result_b: int) -> None:
    # all four rows share one revenue: the account id alone orders them, none lost or repeated
    await conn.execute(
        "UPDATE scenario_assignments SET expected_revenue_cents = 7 WHERE scenario_id = $1",
        result_b,
    )
    assert await _all(conn, result_b, AssignmentFilter(), DESC, 1) == [7, 7, 7, 7]


async def test_filters(conn: asyncpg.Connection, tiny: Tiny, result_a: int) -> None:
    cases = {
        AssignmentFilter(partner_id=tiny.partner["P1"]): [200, 100],
        AssignmentFilter(territory_id=tiny.territory["SOUTH"]): [400],
        AssignmentFilter(track=Track.VALUE): [300],
        AssignmentFilter(tier=Tier.PLATINUM): [400],
        AssignmentFilter(territory_id=tiny.territory["NORTH"], tier=Tier.SILVER): [200, 100],
        AssignmentFilter(partner_id=tiny.partner["P3"], territory_id=tiny.territory["NORTH"]): [],
    }
    for f, expected in cases.items():
        assert await _all(conn, result_a, f, DESC, 1) == expected, f
        assert await assignments.count(conn, result_a, f) == len(expected), f


async def test_assignment_fields(conn: asyncpg.Connection, tiny: Tiny, result_a: int) -> None:
    page = await assignments.page(conn, result_a, AssignmentFilter(), DESC, None, 10)
    a2 = next(a for a in page.items if a.account_id == tiny.account["A2"])
    assert a2.partner_id == tiny.partner["P1"]
    assert a2.specialist_ids == (tiny.specialist["S1"],)
    assert (a2.next_best_partner_id, a2.regret_cents) == (tiny.partner["P2"], 20)


async def test_unassigned_and_loads(conn: asyncpg.Connection, tiny: Tiny, result_b: int) -> None:
    page = await assignments.unassigned_page(conn, result_b, None, 10)
    assert [(u.account_id, u.reason) for u in page.items] == [
        (tiny.account["A3"], UnassignedReason.NOT_WORTH_IT)
    ]
    assert not page.has_next
    assert await assignments.unassigned_count(conn, result_b) == 1
    loads = {ld.id: ld for ld in await assignments.partner_loads(conn, result_b)}
    # B: P1 has A2 (2), P2 has A1 (1), P3 has A4 + A5 (1 + 2 = 3 of 5)
    assert {p: loads[tiny.partner[p]].load for p in ("P1", "P2", "P3")} == {
        "P1": 2.0,
        "P2": 1.0,
        "P3": 3.0,
    }
    assert loads[tiny.partner["P3"]].utilisation == 0.6
    (s1,) = await assignments.specialist_loads(conn, result_b)
    assert (s1.load, s1.capacity, s1.shadow_price) == (0.0, 3.0, None)
