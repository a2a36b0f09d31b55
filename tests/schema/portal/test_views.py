"""Partner views: me, myPartner and the myAssignments connection with what a partner needs."""

from __future__ import annotations

from db.principal import Role
from tests.schema.portal.conftest import Live, codes

PAGE = """
query ($after: String) {
  myAssignments(first: 1, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name territory { code name region } expectedRevenueCents offerStatus reason
      whitespace { productLineCode productLineName whitespaceCents }
      specialists { name email productLineCode }
    } }
  }
}
"""


async def test_me_for_every_role(live: Live) -> None:
    result = await live.run(Role.PARTNER, "{ me { subject role partner { id name } } }", "P1")
    assert result.data == {
        "me": {
            "subject": "test-partner",
            "role": "PARTNER",
            "partner": {"id": live.gid("Partner", "P1"), "name": "P1"},
        }
    }
    viewer = await live.run(Role.VIEWER, "{ me { role partner { name } } }")
    assert viewer.data == {"me": {"role": "VIEWER", "partner": None}}


async def test_my_partner(live: Live) -> None:
    query = "{ myPartner { id name track tier capacity active } }"
    result = await live.run(Role.PARTNER, query, "P2")
    assert result.data == {
        "myPartner": {
            "id": live.gid("Partner", "P2"),
            "name": "P2",
            "track": "VALUE",
            "tier": "GOLD",
            "capacity": 10,
            "active": True,
        }
    }
    planner = await live.run(Role.PLANNER, query)
    assert codes(planner) == ["FORBIDDEN"] and planner.data == {"myPartner": None}


async def test_my_assignments_pages_with_details(live: Live) -> None:
    first = await live.run(Role.PARTNER, PAGE, "P1")
    assert first.errors is None and first.data is not None
    page = first.data["myAssignments"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"] == {
        "id": live.gid("Account", "A1"),
        "name": "A1",
        "territory": {"code": "NORTH", "name": "NORTH", "region": "EU"},
        "expectedRevenueCents": "100",
        "offerStatus": "OFFERED",
        "reason": None,
        "whitespace": [
            {"productLineCode": "PCS", "productLineName": "PCs", "whitespaceCents": "1000"}
        ],
        "specialists": [],
    }
    second = await live.run(Role.PARTNER, PAGE, "P1", after=page["pageInfo"]["endCursor"])
    assert second.data is not None
    node = second.data["myAssignments"]["edges"][0]["node"]
    assert (node["name"], node["expectedRevenueCents"]) == ("A2", "200")
    assert node["specialists"] == [{"name": "S1", "email": None, "productLineCode": "PCS"}]
    assert second.data["myAssignments"]["pageInfo"]["hasNextPage"] is False


async def test_bad_cursor_and_page_size_are_user_errors(live: Live) -> None:
    bad = await live.run(Role.PARTNER, PAGE, "P1", after="nonsense")
    assert codes(bad) == ["BAD_USER_INPUT"]
    big = await live.run(Role.PARTNER, "{ myAssignments(first: 101) { totalCount } }", "P1")
    assert codes(big) == ["BAD_USER_INPUT"]
