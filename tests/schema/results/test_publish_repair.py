"""publishScenario and repairScenario through the real schema: payload members per outcome."""

from __future__ import annotations

from db.publish import PUBLISH_LOCK
from tests.schema.conftest import ok
from tests.schema.results.conftest import World

PUBLISH = """mutation ($id: ID!) { publishScenario(id: $id) {
  __typename
  ... on PublishScenarioSuccess { scenario { status } offered kept superseded removed
                                  archivedScenarioIds alreadyPublished }
  ... on ValidationError { field rule message }
  ... on NotFoundError { entity message }
  ... on ConflictError { field message }
} }"""
REPAIR = """mutation ($id: ID!) { repairScenario(id: $id) {
  __typename
  ... on RepairScenarioSuccess { accounts scenario { kind status parent { name } } }
  ... on ValidationError { field rule message }
  ... on NotFoundError { entity }
} }"""


async def test_publish_then_again_then_supersede(world: World) -> None:
    a, b = world.gid("Scenario", world.a), world.gid("Scenario", world.b)
    out = ok(await world.run(PUBLISH, id=a))["publishScenario"]
    assert out["__typename"] == "PublishScenarioSuccess"
    assert (out["scenario"]["status"], out["offered"], out["alreadyPublished"]) == (
        "PUBLISHED",
        4,
        False,
    )
    again = ok(await world.run(PUBLISH, id=a))["publishScenario"]
    assert (again["alreadyPublished"], again["offered"]) == (True, 0)
    out = ok(await world.run(PUBLISH, id=b))["publishScenario"]
    assert (out["offered"], out["kept"], out["superseded"], out["removed"]) == (2, 2, 2, 1)
    assert out["archivedScenarioIds"] == [a]


async def test_publish_errors(world: World) -> None:
    async with world.pool.acquire() as conn:
        draft = await conn.fetchval(
            "INSERT INTO scenarios (name, created_by) VALUES ('draft', 't') RETURNING id"
        )
    out = ok(await world.run(PUBLISH, id=world.gid("Scenario", draft)))["publishScenario"]
    assert out["__typename"] == "ValidationError"
    assert (out["field"], out["rule"]) == ("id", "status_solved")
    assert "only a SOLVED scenario can be published" in out["message"]
    out = ok(await world.run(PUBLISH, id=world.gid("Scenario", 999_999)))["publishScenario"]
    assert (out["__typename"], out["entity"]) == ("NotFoundError", "Scenario")
    out = ok(await world.run(PUBLISH, id="garbage"))["publishScenario"]
    assert (out["__typename"], out["rule"]) == ("ValidationError", "global_id")
    # another publish in progress (it holds the lock in an open transaction)
    async with world.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", PUBLISH_LOCK)
        out = ok(await world.run(PUBLISH, id=world.gid("Scenario", world.a)))["publishScenario"]
    assert out["__typename"] == "ConflictError"
    assert "being published" in out["message"]
    async with world.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM assignments") == 0


async def test_repair(world: World) -> None:
    a = world.gid("Scenario", world.a)
    out = ok(await world.run(REPAIR, id=a))["repairScenario"]
    assert (out["__typename"], out["rule"]) == ("ValidationError", "status_published")
    ok(await world.run(PUBLISH, id=a))
    out = ok(await world.run(REPAIR, id=a))["repairScenario"]
    assert (out["__typename"], out["rule"]) == ("ValidationError", "nothing_to_repair")
    async with world.pool.acquire() as conn:
        await conn.execute(
            "UPDATE assignments SET offer_status = 'DECLINED' WHERE account_id = $1",
            world.tiny.account["A3"],
        )
    out = ok(await world.run(REPAIR, id=a))["repairScenario"]
    assert out == {
        "__typename": "RepairScenarioSuccess",
        "accounts": 1,
        "scenario": {"kind": "REPAIR", "status": "QUEUED", "parent": {"name": "A"}},
    }
