"""Comparing result A (base) with result B (other) on the tiny channel, derived by hand."""

from __future__ import annotations

import asyncpg

from db.results.compare import compare, moves_page
from db.results.models import Dimension
from tests.db.results.tiny import Tiny


async def test_moves(conn: asyncpg.Connection, tiny: Tiny, result_a: int, result_b: int) -> None:
    a, p = tiny.account, tiny.partner
    first = await moves_page(conn, result_a, result_b, None, 2)
    rest = await moves_page(conn, result_a, result_b, first.keys[-1], 2)
    assert first.has_next and not rest.has_next
    moves = {m.account_id: m for m in first.items + rest.items}
    # A1: P1 -> P2 (100 -> 150); A3: P2 -> unassigned (300 -> 0); A5: unassigned -> P3 (0 -> 500)
    # A2 (P1) and A4 (P3) stay where they are.
    assert {
        k: (m.from_partner_id, m.to_partner_id, m.revenue_delta_cents) for k, m in moves.items()
    } == {
        a["A1"]: (p["P1"], p["P2"], 50),
        a["A3"]: (p["P2"], None, -300),
        a["A5"]: (None, p["P3"], 500),
    }


async def test_kpi_deltas(conn: asyncpg.Connection, result_a: int, result_b: int) -> None:
    c = await compare(conn, result_a, result_b)
    assert c.moved_accounts == 3
    # totals: A 1,000 -> B 150 + 200 + 400 + 500 = 1,250
    assert (c.base.total_expected_revenue_cents, c.other.total_expected_revenue_cents) == (
        1000,
        1250,
    )
    territory = {
        d.key: (d.accounts_delta, d.revenue_delta_cents) for d in c.by(Dimension.TERRITORY)
    }
    # NORTH: A1, A2, A3 = 600 -> A1, A2 = 350; SOUTH: A4 = 400 -> A4, A5 = 900
    assert territory == {"NORTH": (-1, -250), "SOUTH": (1, 500)}
    track = {d.key: (d.accounts_delta, d.revenue_delta_cents) for d in c.by(Dimension.TRACK)}
    # VOLUME (P1): A1 + A2 = 300 -> A2 = 200; VALUE (P2): A3 = 300 -> A1 = 150;
    # ALLIANCE (P3): A4 = 400 -> A4 + A5 = 900
    assert track == {"VOLUME": (-1, -100), "VALUE": (0, -150), "ALLIANCE": (1, 500)}
    tier = {d.key: d.revenue_delta_cents for d in c.by(Dimension.TIER)}
    assert tier == {"SILVER": -100, "GOLD": -150, "PLATINUM": 500}


async def test_group_present_on_one_side_only(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    from tests.db.results.tiny import add_result

    only_p1 = await add_result(conn, tiny, [("A1", "P1", 100)], [], name="small")
    c = await compare(conn, result_a, only_p1)
    track = {d.key: (d.base_accounts, d.other_accounts) for d in c.by(Dimension.TRACK)}
    assert track == {"VOLUME": (2, 1), "VALUE": (1, 0), "ALLIANCE": (1, 0)}
    # only A1 is in both scopes and it stays with P1: no move
    assert c.moved_accounts == 0


async def test_a_scenario_compared_with_itself_has_no_moves(
    conn: asyncpg.Connection, result_a: int
) -> None:
    c = await compare(conn, result_a, result_a)
    assert c.moved_accounts == 0
    assert all(d.revenue_delta_cents == 0 and d.accounts_delta == 0 for d in c.deltas)
