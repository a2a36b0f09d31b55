"""Repair: scope, capacities reduced by the other live rows, forbids, queueing, and a publish
of the repair that touches only its scope."""

from __future__ import annotations

import asyncpg
import pytest

from db.errors import Invalid, NotFound
from db.publish import publish
from db.repair import repair
from db.scenarios import repository
from db.scenarios.models import AccountPartner, CapacityOverride, ScenarioKind, ScenarioStatus
from db.scenarios.parameters import ScopeCoverage
from tests.db.results.tiny import Tiny, fill_result

# Result A live: A1 -> P1, A2 -> P1 (+S1), A3 -> P2, A4 -> P3.


async def _break_some(conn: asyncpg.Connection, tiny: Tiny, result_a: int) -> None:
    """P1 declines A1 (history and live row); P2 is deactivated (A3 loses its partner)."""
    await publish(conn, result_a)
    await conn.execute(
        "UPDATE assignments SET offer_status = 'DECLINED', responded_at = now() "
        "WHERE account_id = $1",
        tiny.account["A1"],
    )
    await conn.execute(
        "INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status) "
        "VALUES ($1, $2, $3, 'DECLINED')",
        tiny.account["A1"],
        tiny.partner["P1"],
        result_a,
    )
    await conn.execute("UPDATE partners SET active = false WHERE id = $1", tiny.partner["P2"])


async def test_repair_scope_capacities_and_forbids(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await _break_some(conn, tiny, result_a)
    # an older decline of A3 by P3, only in the history: forbidden too
    await conn.execute(
        "INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status) "
        "VALUES ($1, $2, $3, 'DECLINED')",
        tiny.account["A3"],
        tiny.partner["P3"],
        result_a,
    )
    rep = await repair(conn, result_a, "planner")
    a, p = tiny.account, tiny.partner
    assert (rep.kind, rep.parent_id, rep.status) == (
        ScenarioKind.REPAIR,
        result_a,
        ScenarioStatus.QUEUED,
    )
    params = rep.parameters
    # scope: A1 (declined) and A3 (partner P2 inactive); A2 and A4 stay fixed
    assert params.scope.account_ids == (a["A1"], a["A3"])
    assert params.scope.coverage is ScopeCoverage.ANY
    # other live rows: A2 (P1, workload 2, with S1) and A4 (P3, workload 1)
    # P1: 10 - 2 = 8; P3: 5 - 1 = 4; P2 carries nothing else: no override
    assert params.partner_capacities == (CapacityOverride(p["P1"], 8), CapacityOverride(p["P3"], 4))
    # S1: 3 - 1 (A2) = 2
    assert params.specialist_capacities == (CapacityOverride(tiny.specialist["S1"], 2),)
    assert set(params.policy.forbids) == {
        AccountPartner(a["A1"], p["P1"]),
        AccountPartner(a["A3"], p["P3"]),
    }
    # queued in the same transaction: a job and a DRAFT -> QUEUED transition
    assert await conn.fetchval("SELECT count(*) FROM pgqueuer") == 1
    steps = [(t.from_status, t.to_status) for t in await repository.transitions(conn, rep.id)]
    assert steps[-1] == (ScenarioStatus.DRAFT, ScenarioStatus.QUEUED)


async def test_parent_overrides_are_the_base(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await conn.execute(
        "UPDATE scenarios SET parameters = $2 WHERE id = $1",
        result_a,
        {"partner_capacities": [[tiny.partner["P1"], 6], [tiny.partner["P2"], 1]]},
    )
    await _break_some(conn, tiny, result_a)
    rep = await repair(conn, result_a, "planner")
    # P1: override 6 - 2 (A2) = 4; P2: override 1 kept (nothing else live); P3: 5 - 1 = 4
    assert {c.id: c.capacity for c in rep.parameters.partner_capacities} == {
        tiny.partner["P1"]: 4,
        tiny.partner["P2"]: 1,
        tiny.partner["P3"]: 4,
    }


async def test_publishing_a_repair_touches_only_its_scope(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await _break_some(conn, tiny, result_a)
    await conn.execute(
        "UPDATE assignments SET offer_status = 'ACCEPTED' WHERE account_id = $1",
        tiny.account["A4"],
    )
    before = await conn.fetch(
        "SELECT * FROM assignments WHERE account_id = any($1::bigint[]) ORDER BY account_id",
        [tiny.account["A2"], tiny.account["A4"]],
    )
    rep = await repair(conn, None, "planner")
    assert rep.parent_id is None
    # what the worker would store: A1 goes to P3, A3 finds nobody
    await conn.execute(
        "UPDATE scenarios SET status = 'SOLVED', solver_status = 'OPTIMAL' WHERE id = $1", rep.id
    )
    await fill_result(conn, tiny, rep.id, [("A1", "P3", 80)], [("A3", "NO_ELIGIBLE_PARTNER")])
    out = await publish(conn, rep.id)
    assert (out.offered, out.superseded, out.removed) == (1, 2, 1)
    after = await conn.fetch(
        "SELECT * FROM assignments WHERE account_id = any($1::bigint[]) ORDER BY account_id",
        [tiny.account["A2"], tiny.account["A4"]],
    )
    assert after == before  # untouched, row for row (status, times, scenario)
    live = {
        r["account_id"]: (r["partner_id"], r["scenario_id"])
        for r in await conn.fetch("SELECT account_id, partner_id, scenario_id FROM assignments")
    }
    assert live[tiny.account["A1"]] == (tiny.partner["P3"], rep.id)
    assert tiny.account["A3"] not in live
    # A still owns A2 and A4: it stays PUBLISHED
    assert (await repository.get(conn, result_a)).status is ScenarioStatus.PUBLISHED


async def test_nothing_to_repair_and_bad_parent(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int, result_b: int
) -> None:
    await publish(conn, result_a)
    with pytest.raises(Invalid) as err:
        await repair(conn, result_a, "planner")
    assert err.value.rule == "nothing_to_repair"
    with pytest.raises(Invalid) as err:
        await repair(conn, result_b, "planner")  # SOLVED, not published
    assert err.value.rule == "status_published"
    with pytest.raises(NotFound):
        await repair(conn, 999_999, "planner")
    # nothing was created
    assert await conn.fetchval("SELECT count(*) FROM scenarios WHERE kind = 'REPAIR'") == 0
