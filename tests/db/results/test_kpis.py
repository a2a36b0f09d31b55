"""KPIs of result A on the tiny channel, each figure derived by hand in a comment."""

from __future__ import annotations

import asyncpg
import pytest

from db.results.kpis import kpis
from db.results.models import Breakdown, Dimension


async def test_headline_figures(conn: asyncpg.Connection, result_a: int) -> None:
    k = await kpis(conn, result_a)
    # 100 + 200 + 300 + 400
    assert k.total_expected_revenue_cents == 1000
    # scope = A1..A4 assigned + A5 unassigned
    assert (k.scope_accounts, k.assigned_accounts) == (5, 4)
    assert k.account_coverage == pytest.approx(0.8)
    # whitespace 1,000 * i: scope 15,000; assigned A1..A4 = 10,000
    assert (k.scope_whitespace_cents, k.covered_whitespace_cents) == (15_000, 10_000)
    assert k.whitespace_coverage == pytest.approx(2 / 3)
    # loads: P1 = 1 + 2 (A1, A2), P2 = 3 (A3), P3 = 1 (A4) -> 7 of 10 + 10 + 5
    assert (k.partner_load, k.partner_capacity) == (7.0, 25.0)
    assert k.partner_utilisation == pytest.approx(0.28)
    # S1 works on A2 only, capacity 3
    assert (k.specialist_load, k.specialist_capacity) == (1.0, 3.0)
    assert k.specialist_utilisation == pytest.approx(1 / 3)


async def test_breakdowns(conn: asyncpg.Connection, result_a: int) -> None:
    k = await kpis(conn, result_a)
    t = Dimension.TERRITORY
    # NORTH: A1, A2, A3 (100 + 200 + 300; whitespace 1,000 + 2,000 + 3,000); SOUTH: A4
    assert k.by(t) == [Breakdown(t, "NORTH", 3, 600, 6000), Breakdown(t, "SOUTH", 1, 400, 4000)]
    # P1 is VOLUME/SILVER (A1, A2), P2 VALUE/GOLD (A3), P3 ALLIANCE/PLATINUM (A4)
    tr = Dimension.TRACK
    assert k.by(tr) == [
        Breakdown(tr, "ALLIANCE", 1, 400, 4000),
        Breakdown(tr, "VALUE", 1, 300, 3000),
        Breakdown(tr, "VOLUME", 2, 300, 3000),
    ]
    ti = Dimension.TIER
    assert {(b.key, b.accounts, b.expected_revenue_cents) for b in k.by(ti)} == {
        ("SILVER", 2, 300),
        ("GOLD", 1, 300),
        ("PLATINUM", 1, 400),
    }
    # every dimension adds up to the headline figures
    for dim in Dimension:
        assert sum(b.expected_revenue_cents for b in k.by(dim)) == k.total_expected_revenue_cents
        assert sum(b.accounts for b in k.by(dim)) == k.assigned_accounts


async def test_unsolved_scenario_has_zero_kpis(conn: asyncpg.Connection, tiny: object) -> None:
    sid = await conn.fetchval(
        "INSERT INTO scenarios (name, created_by) VALUES ('draft', 't') RETURNING id"
    )
    k = await kpis(conn, sid)
    assert (k.total_expected_revenue_cents, k.scope_accounts, k.breakdown) == (0, 0, ())
    assert (k.account_coverage, k.whitespace_coverage, k.partner_utilisation) == (0.0, 0.0, 0.0)
