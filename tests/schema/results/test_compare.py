"""compareScenarios through the real schema: moves (paged), KPI deltas, argument errors."""

from __future__ import annotations

from tests.schema.conftest import error_messages, ok
from tests.schema.results.conftest import World

COMPARE = """query ($base: ID!, $other: ID!, $after: String) {
  compareScenarios(baseId: $base, otherId: $other) {
    movedAccounts revenueDeltaCents assignedAccountsDelta accountCoverageDelta
    base { totalExpectedRevenueCents } other { totalExpectedRevenueCents }
    byTerritory { key baseAccounts otherAccounts accountsDelta revenueDeltaCents }
    byTrack { key revenueDeltaCents }
    byTier { key revenueDeltaCents }
    moves(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { account { externalRef } fromPartner { name } toPartner { name }
                     baseRevenueCents otherRevenueCents revenueDeltaCents } }
    }
  } }"""


async def test_compare_a_with_b(world: World) -> None:
    ids = {"base": world.gid("Scenario", world.a), "other": world.gid("Scenario", world.b)}
    first = ok(await world.run(COMPARE, **ids))["compareScenarios"]
    # derived in tests/db/results/test_compare.py
    assert (first["movedAccounts"], first["revenueDeltaCents"]) == (3, "250")
    assert (first["assignedAccountsDelta"], first["accountCoverageDelta"]) == (0, 0.0)
    assert first["byTerritory"] == [
        {
            "key": "NORTH",
            "baseAccounts": 3,
            "otherAccounts": 2,
            "accountsDelta": -1,
            "revenueDeltaCents": "-250",
        },
        {
            "key": "SOUTH",
            "baseAccounts": 1,
            "otherAccounts": 2,
            "accountsDelta": 1,
            "revenueDeltaCents": "500",
        },
    ]
    assert {g["key"]: g["revenueDeltaCents"] for g in first["byTrack"]} == {
        "ALLIANCE": "500",
        "VALUE": "-150",
        "VOLUME": "-100",
    }
    moves = first["moves"]
    assert moves["totalCount"] == 3 and moves["pageInfo"]["hasNextPage"]
    second = ok(await world.run(COMPARE, **ids, after=moves["pageInfo"]["endCursor"]))
    rest = second["compareScenarios"]["moves"]
    assert not rest["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in moves["edges"] + rest["edges"]]

    def name(p: dict[str, str] | None) -> str | None:
        return None if p is None else p["name"]

    assert [
        (
            n["account"]["externalRef"],
            name(n["fromPartner"]),
            name(n["toPartner"]),
            n["revenueDeltaCents"],
        )
        for n in nodes
    ] == [("A1", "P1", "P2", "50"), ("A3", "P2", None, "-300"), ("A5", None, "P3", "500")]


async def test_compare_arguments(world: World) -> None:
    a = world.gid("Scenario", world.a)
    result = await world.run(COMPARE, base="nonsense", other=a)
    assert "baseId" in error_messages(result)[0]
    result = await world.run(COMPARE, base=a, other=world.gid("Scenario", 999_999))
    assert error_messages(result) == [
        f"Argument otherId: scenario {world.gid('Scenario', 999_999)} does not exist"
    ]
    async with world.pool.acquire() as conn:
        draft = await conn.fetchval(
            "INSERT INTO scenarios (name, created_by) VALUES ('draft', 't') RETURNING id"
        )
    result = await world.run(COMPARE, base=world.gid("Scenario", draft), other=a)
    assert "has no result yet (it is DRAFT)" in error_messages(result)[0]
    result = await world.run(COMPARE, base=world.gid("Partner", 1), other=a)
    assert "must be an ID of a Scenario" in error_messages(result)[0]
