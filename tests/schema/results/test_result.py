"""Scenario.result through the real schema: figures, assignments page, loads, KPIs."""

from __future__ import annotations

from typing import Any

from tests.schema.conftest import error_messages, ok
from tests.schema.results.conftest import World

RESULT = """query ($id: ID!, $first: Int!, $after: String, $filter: AssignmentFilterInput,
                   $order: AssignmentOrder! = EXPECTED_REVENUE_DESC) {
  scenario(id: $id) { status result {
    solverStatus objectiveCents boundCents gap runtimeS stoppedEarly conflicts
    assignments(first: $first, after: $after, filter: $filter, order: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        expectedRevenueCents regretCents
        account { externalRef } partner { name } specialists { name } nextBestPartner { name }
      } }
    }
  } } }"""


async def _assignments(w: World, sid: int, **variables: Any) -> list[dict[str, Any]]:
    """Every node of a filtered list, walking the pages two at a time."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = ok(await w.run(RESULT, id=w.gid("Scenario", sid), first=2, after=after, **variables))
        conn = data["scenario"]["result"]["assignments"]
        nodes += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            assert conn["totalCount"] == len(nodes)
            return nodes
        after = conn["pageInfo"]["endCursor"]


async def test_figures_and_assignments(world: World) -> None:
    data = ok(await world.run(RESULT, id=world.gid("Scenario", world.a), first=1))
    result = data["scenario"]["result"]
    assert result["solverStatus"] == "OPTIMAL"
    assert result["objectiveCents"] == "1000"  # Cents travel as strings
    assert result["conflicts"] == [] and result["stoppedEarly"] is False
    nodes = await _assignments(world, world.a)
    assert [(n["account"]["externalRef"], n["partner"]["name"]) for n in nodes] == [
        ("A4", "P3"),
        ("A3", "P2"),
        ("A2", "P1"),
        ("A1", "P1"),
    ]
    a2 = nodes[2]
    assert a2["specialists"] == [{"name": "S1"}]
    assert (a2["expectedRevenueCents"], a2["regretCents"]) == ("200", "20")
    assert a2["nextBestPartner"] == {"name": "P2"}


async def test_assignment_filters_and_order(world: World) -> None:
    t, p = world.tiny.territory, world.tiny.partner
    cases = [
        ({"partnerId": world.gid("Partner", p["P1"])}, ["A2", "A1"]),
        ({"territoryId": world.gid("Territory", t["SOUTH"])}, ["A4"]),
        ({"track": "VALUE"}, ["A3"]),
        ({"tier": "PLATINUM"}, ["A4"]),
    ]
    for f, expected in cases:
        nodes = await _assignments(world, world.a, filter=f)
        assert [n["account"]["externalRef"] for n in nodes] == expected, f
    nodes = await _assignments(world, world.a, order="EXPECTED_REVENUE_ASC")
    assert [n["expectedRevenueCents"] for n in nodes] == ["100", "200", "300", "400"]


async def test_bad_arguments_name_the_argument(world: World) -> None:
    sid = world.gid("Scenario", world.a)
    result = await world.run(RESULT, id=sid, first=0)
    assert "Argument first must be between 1 and 100" in error_messages(result)[0]
    result = await world.run(RESULT, id=sid, first=2, after="garbage")
    assert "Argument after is not a valid cursor" in error_messages(result)[0]
    result = await world.run(
        RESULT, id=sid, first=2, filter={"partnerId": world.gid("Territory", 1)}
    )
    assert "filter.partnerId" in error_messages(result)[0]
    # a cursor of one order is refused by the other
    data = ok(await world.run(RESULT, id=sid, first=1))
    cursor = data["scenario"]["result"]["assignments"]["pageInfo"]["endCursor"]
    result = await world.run(RESULT, id=sid, first=1, after=cursor, order="EXPECTED_REVENUE_ASC")
    assert "belongs to another order" in error_messages(result)[0]


LOADS_KPIS = """query ($id: ID!) { scenario(id: $id) { result {
  unassigned(first: 10) { totalCount edges { node { reason account { externalRef } } } }
  partnerLoads { partner { name } load capacity utilisation shadowPrice }
  specialistLoads { specialist { name } load capacity }
  kpis { totalExpectedRevenueCents scopeAccounts assignedAccounts unassignedAccounts
         accountCoverage scopeWhitespaceCents coveredWhitespaceCents whitespaceCoverage
         partnerUtilisation specialistUtilisation
         byTerritory { key accounts expectedRevenueCents whitespaceCents }
         byTrack { key accounts expectedRevenueCents }
         byTier { key accounts } }
} } }"""


async def test_unassigned_loads_and_kpis(world: World) -> None:
    data = ok(await world.run(LOADS_KPIS, id=world.gid("Scenario", world.a)))
    r = data["scenario"]["result"]
    assert r["unassigned"]["totalCount"] == 1
    assert r["unassigned"]["edges"][0]["node"] == {
        "reason": "CAPACITY",
        "account": {"externalRef": "A5"},
    }
    loads = {x["partner"]["name"]: (x["load"], x["capacity"]) for x in r["partnerLoads"]}
    assert loads == {"P1": (3.0, 10.0), "P2": (3.0, 10.0), "P3": (1.0, 5.0)}
    assert r["specialistLoads"] == [{"specialist": {"name": "S1"}, "load": 1, "capacity": 3}]
    k = r["kpis"]
    # the figures of tests/db/results/test_kpis.py, as GraphQL renders them
    assert (k["totalExpectedRevenueCents"], k["scopeAccounts"], k["assignedAccounts"]) == (
        "1000",
        5,
        4,
    )
    assert (k["unassignedAccounts"], k["accountCoverage"]) == (1, 0.8)
    assert (k["scopeWhitespaceCents"], k["coveredWhitespaceCents"]) == ("15000", "10000")
    assert abs(k["partnerUtilisation"] - 0.28) < 1e-9
    assert k["byTerritory"] == [
        {"key": "NORTH", "accounts": 3, "expectedRevenueCents": "600", "whitespaceCents": "6000"},
        {"key": "SOUTH", "accounts": 1, "expectedRevenueCents": "400", "whitespaceCents": "4000"},
    ]
    assert {g["key"]: g["accounts"] for g in k["byTier"]} == {
        "SILVER": 2,
        "GOLD": 1,
        "PLATINUM": 1,
    }


async def test_no_result_before_a_solve(world: World) -> None:
    async with world.pool.acquire() as conn:
        draft = await conn.fetchval(
            "INSERT INTO scenarios (name, created_by) VALUES ('draft', 't') RETURNING id"
        )
    data = ok(await world.run(LOADS_KPIS, id=world.gid("Scenario", draft)))
    assert data["scenario"]["result"] is None
