"""Publishing: live rows and offer history, idempotence, refused states, concurrent publishes."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from db.errors import Conflict, Invalid, NotFound
from db.pool import connect
from db.publish import PUBLISH_LOCK, publish
from db.scenarios import repository
from db.scenarios.models import ScenarioStatus
from tests.db.results.tiny import Tiny, add_result

LIVE = "SELECT account_id, partner_id, scenario_id, offer_status FROM assignments ORDER BY 1"


async def _live(conn: asyncpg.Connection, tiny: Tiny) -> dict[str, tuple[str, int, str]]:
    """account name -> (partner name, scenario id, offer status)."""
    acc = {v: k for k, v in tiny.account.items()}
    par = {v: k for k, v in tiny.partner.items()}
    return {
        acc[r["account_id"]]: (par[r["partner_id"]], r["scenario_id"], r["offer_status"])
        for r in await conn.fetch(LIVE)
    }


async def _history(conn: asyncpg.Connection) -> list[tuple[int, int, str]]:
    rows = await conn.fetch(
        "SELECT account_id, scenario_id, offer_status FROM offer_history ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def test_publish_makes_the_result_live(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    out = await publish(conn, result_a)
    assert (out.offered, out.kept, out.superseded, out.removed) == (4, 0, 0, 0)
    assert await _live(conn, tiny) == {
        "A1": ("P1", result_a, "OFFERED"),
        "A2": ("P1", result_a, "OFFERED"),
        "A3": ("P2", result_a, "OFFERED"),
        "A4": ("P3", result_a, "OFFERED"),
    }
    row = await conn.fetchrow(
        "SELECT specialist_ids, expected_revenue_cents FROM assignments WHERE account_id = $1",
        tiny.account["A2"],
    )
    assert (row["specialist_ids"], row["expected_revenue_cents"]) == ([tiny.specialist["S1"]], 200)
    assert [h[2] for h in await _history(conn)] == ["OFFERED"] * 4
    history = await repository.transitions(conn, result_a)
    assert (history[-1].from_status, history[-1].to_status) == (
        ScenarioStatus.SOLVED,
        ScenarioStatus.PUBLISHED,
    )


async def test_publishing_twice_is_harmless(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await publish(conn, result_a)
    live, history = await _live(conn, tiny), await _history(conn)
    transitions = await repository.transitions(conn, result_a)
    again = await publish(conn, result_a)
    assert again.already_published and again.offered == 0
    assert await _live(conn, tiny) == live
    assert await _history(conn) == history
    assert await repository.transitions(conn, result_a) == transitions


async def test_publish_supersedes_the_previous_scenario(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int, result_b: int
) -> None:
    await publish(conn, result_a)
    # P1 accepted A2 meanwhile: B keeps A2 with P1, so the acceptance must survive
    await conn.execute(
        "UPDATE assignments SET offer_status = 'ACCEPTED', responded_at = now() "
        "WHERE account_id = $1",
        tiny.account["A2"],
    )
    out = await publish(conn, result_b)
    # A1 P1 -> P2 (superseded, new offer); A3 unassigned in B (superseded, removed);
    # A2 and A4 keep their partner (kept); A5 is new (offered)
    assert (out.offered, out.kept, out.superseded, out.removed) == (2, 2, 2, 1)
    assert await _live(conn, tiny) == {
        "A1": ("P2", result_b, "OFFERED"),
        "A2": ("P1", result_b, "ACCEPTED"),
        "A4": ("P3", result_b, "OFFERED"),
        "A5": ("P3", result_b, "OFFERED"),
    }
    superseded = [(a, s) for a, s, status in await _history(conn) if status == "SUPERSEDED"]
    assert sorted(superseded) == sorted(
        [(tiny.account["A1"], result_a), (tiny.account["A3"], result_a)]
    )
    # A owns no live row any more: archived, with the reason
    assert out.archived_scenario_ids == (result_a,)
    a = await repository.get(conn, result_a)
    assert a.status is ScenarioStatus.ARCHIVED
    assert (await repository.transitions(conn, result_a))[-1].detail == (
        f"superseded by scenario {result_b}"
    )


async def test_partial_scope_leaves_the_rest_live(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await publish(conn, result_a)
    only_a1 = await add_result(conn, tiny, [("A1", "P3", 90)], [], name="only A1")
    out = await publish(conn, only_a1)
    assert (out.offered, out.superseded, out.archived_scenario_ids) == (1, 1, ())
    live = await _live(conn, tiny)
    assert live["A1"] == ("P3", only_a1, "OFFERED")
    assert {k: v[1] for k, v in live.items() if k != "A1"} == {
        "A2": result_a,
        "A3": result_a,
        "A4": result_a,
    }
    # A still owns live rows: it stays PUBLISHED
    assert (await repository.get(conn, result_a)).status is ScenarioStatus.PUBLISHED


async def test_an_account_is_never_offered_again_to_a_partner_that_declined_it(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    await publish(conn, result_a)
    await conn.execute(
        "UPDATE assignments SET offer_status = 'DECLINED', reason = 'no' WHERE account_id = $1",
        tiny.account["A1"],
    )
    again = await add_result(conn, tiny, [("A1", "P1", 100)], [], name="A1 again")
    with pytest.raises(Invalid) as err:
        await publish(conn, again)
    assert (err.value.field, err.value.rule) == ("id", "declined_partner")
    assert f"account {tiny.account['A1']} to partner {tiny.partner['P1']}" in err.value.message
    row = await conn.fetchrow(
        "SELECT offer_status, scenario_id FROM assignments WHERE account_id = $1",
        tiny.account["A1"],
    )
    assert tuple(row) == ("DECLINED", result_a)  # nothing changed
    # The decline is also in the history: once the live row has moved on (here to P2) and
    # back, the result offering A1 to P1 is still refused.
    other = await add_result(conn, tiny, [("A1", "P2", 100)], [], name="A1 to P2")
    await conn.execute(
        "INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status) "
        "VALUES ($1, $2, $3, 'DECLINED')",
        tiny.account["A1"],
        tiny.partner["P1"],
        result_a,
    )
    await publish(conn, other)
    back = await add_result(conn, tiny, [("A1", "P1", 100)], [], name="A1 back to P1")
    with pytest.raises(Invalid) as err:
        await publish(conn, back)
    assert err.value.rule == "declined_partner"
    # Another partner is fine.
    out = await publish(conn, await add_result(conn, tiny, [("A1", "P3", 90)], [], name="P3"))
    assert out.offered == 1


@pytest.mark.parametrize(
    ("status", "solver_status", "rule"),
    [
        ("DRAFT", None, "status_solved"),
        ("SOLVING", None, "status_solved"),
        ("ARCHIVED", "OPTIMAL", "status_solved"),
        ("SOLVED", "INFEASIBLE", "feasible_result"),
        ("SOLVED", "UNKNOWN", "feasible_result"),
    ],
)
async def test_only_solved_feasible_results_are_published(
    conn: asyncpg.Connection, tiny: Tiny, status: str, solver_status: str | None, rule: str
) -> None:
    sid = await add_result(
        conn, tiny, [("A1", "P1", 1)], [], status=status, solver_status=solver_status
    )
    with pytest.raises(Invalid) as err:
        await publish(conn, sid)
    assert (err.value.field, err.value.rule) == ("id", rule)
    assert status in err.value.message or "no feasible result" in err.value.message
    assert await conn.fetchval("SELECT count(*) FROM assignments") == 0
    assert (await repository.get(conn, sid)).status.value == status


async def test_unknown_scenario_and_inactive_partner(
    conn: asyncpg.Connection, tiny: Tiny, result_a: int
) -> None:
    with pytest.raises(NotFound):
        await publish(conn, 999_999)
    await conn.execute("UPDATE partners SET active = false WHERE id = $1", tiny.partner["P2"])
    with pytest.raises(Invalid) as err:
        await publish(conn, result_a)
    assert err.value.rule == "active_partners"
    assert await conn.fetchval("SELECT count(*) FROM offer_history") == 0


async def test_concurrent_publish_one_wins_the_other_conflicts(
    conn: asyncpg.Connection, database_url: str, tiny: Tiny, result_a: int, result_b: int
) -> None:
    other = await connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        await publish(conn, result_a)  # done but not committed: still holds the lock
        with pytest.raises(Conflict) as err:
            await publish(other, result_b)
        assert err.value.field == "id" and "being published" in err.value.message
        await tx.commit()
        # the loser changed nothing: the live table is entirely A's
        assert {v[1] for v in (await _live(other, tiny)).values()} == {result_a}
        assert (await repository.get(other, result_b)).status is ScenarioStatus.SOLVED
    finally:
        await other.close()


async def test_racing_publishes_never_mix(
    conn: asyncpg.Connection, database_url: str, tiny: Tiny
) -> None:
    rows = [("A1", "P1", 1), ("A2", "P2", 2), ("A3", "P3", 3), ("A4", "P1", 4), ("A5", "P2", 5)]
    flipped = [(a, {"P1": "P2", "P2": "P3", "P3": "P1"}[p], r) for a, p, r in rows]
    conns = [await connect(database_url) for _ in range(2)]
    try:
        for _round in range(5):
            x = await add_result(conn, tiny, rows, [])
            y = await add_result(conn, tiny, flipped, [])
            outcomes = await asyncio.gather(
                publish(conns[0], x), publish(conns[1], y), return_exceptions=True
            )
            assert all(
                o is None or not isinstance(o, BaseException) or isinstance(o, Conflict)
                for o in outcomes
            ), outcomes
            winners = {
                sid
                for sid, o in zip((x, y), outcomes, strict=True)
                if not isinstance(o, BaseException)
            }
            live = await _live(conn, tiny)
            # never a mix: every live row comes from one scenario, the last one that won
            assert len({v[1] for v in live.values()}) == 1
            assert {v[1] for v in live.values()} <= winners
    finally:
        for c in conns:
            await c.close()


def test_the_publish_lock_is_not_another_features_lock() -> None:
    from db.migrate import ADVISORY_LOCK_KEY
    from db.seed import SEED_LOCK_KEY

    # a shared key would make a publish fail while any process migrates or seeds
    assert PUBLISH_LOCK not in (ADVISORY_LOCK_KEY, SEED_LOCK_KEY)
