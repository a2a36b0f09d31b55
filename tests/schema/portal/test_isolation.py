"""Cross-partner matrix: a PARTNER token aimed at another partner's objects gets nothing of
them, through node(id), aliases, fragments, nested fields, filters, cursors, planner fields
and the mutation. Live rows: A1, A2 -> P1; A3 -> P2; A4 -> P3; A5 unassigned."""

from __future__ import annotations

import json

import pytest
from strawberry.types import ExecutionResult

from db.principal import Role
from schema.common.connection import encode_cursor
from schema.common.ids import encode_id
from tests.schema.portal.conftest import Live, codes

HELD = {"P1": ["A1", "A2"], "P2": ["A3"], "P3": ["A4"]}
ACCOUNTS = ["A1", "A2", "A3", "A4", "A5"]

NODE = """
query ($id: ID!) { n: node(id: $id) { __typename id ...Acc ...Par } }
fragment Acc on OfferedAccount { name whitespace { whitespaceCents } specialists { name } }
fragment Par on PortalPartner { name capacity }
"""
ALIASES = """
query ($a: ID!, $b: ID!) {
  x: node(id: $a) { ... on OfferedAccount { name expectedRevenueCents } }
  y: node(id: $b) { ... on OfferedAccount { name } ... on Node { id } }
  mine: myAssignments(first: 100) { edges { node { name } } }
}
"""
ASSIGNMENTS = """
query ($after: String, $status: OfferStatus) {
  myAssignments(first: 100, after: $after, status: $status) {
    totalCount edges { node { id name whitespace { productLineCode whitespaceCents }
                              specialists { name email } } } }
}
"""
PLANNER_PATHS = [
    ("{ partners { edges { node { name } } } }", {}),
    ("query ($id: ID!) { partner(id: $id) { name } }", {"id": "partner"}),
    ("{ accounts { edges { node { name totalWhitespaceCents } } } }", {}),
    (
        "query ($id: ID!) { account(id: $id) { name wallets { whitespaceCents } } }",
        {"id": "account"},
    ),
    ("{ territories { code } }", {}),
    ("{ specialists { edges { node { name email } } } }", {}),
    ("{ scenarios { edges { node { name } } } }", {}),
    ("{ offers { edges { node { accountName partnerName reason } } } }", {}),
]
RESPOND = """
mutation ($id: ID!) { respondToOffer(accountId: $id, decision: DECLINE, reason: "x") {
  __typename ... on NotFoundError { entity message }  # (its id echoes the argument)
  ... on RespondToOfferSuccess { offer { name } }
} }
"""


def _text(result: ExecutionResult) -> str:
    return json.dumps({"data": result.data, "errors": [e.message for e in result.errors or []]})


def _leaks(live: Live, result: ExecutionResult, attacker: str) -> list[str]:
    """Names and global IDs of other partners' accounts and partners found in the result."""
    text = _text(result)
    others = [a for a in ACCOUNTS if a not in HELD[attacker]]
    found = [a for a in others if f'"{a}"' in text or f'"{live.gid("Account", a)}"' in text]
    for p in HELD:
        if p != attacker and (f'"{p}"' in text or f'"{live.gid("Partner", p)}"' in text):
            found.append(p)
    return found


@pytest.mark.parametrize("attacker", ["P1", "P2", "P3"])
async def test_partner_gets_nothing_of_other_partners(live: Live, attacker: str) -> None:
    victims = [a for a in ACCOUNTS if a not in HELD[attacker]]
    other_partners = [p for p in HELD if p != attacker]
    results: list[ExecutionResult] = []

    async def run(query: str, **variables: object) -> ExecutionResult:
        result = await live.run(Role.PARTNER, query, partner=attacker, **variables)
        results.append(result)
        return result

    for account in victims:  # node(id) with fragments: null
        result = await run(NODE, id=live.gid("Account", account))
        assert result.errors is None and result.data == {"n": None}
    for partner in other_partners:
        result = await run(NODE, id=live.gid("Partner", partner))
        assert result.errors is None and result.data == {"n": None}
    # aliases in one document: the other's accounts null, own page only own
    result = await run(
        ALIASES, a=live.gid("Account", victims[0]), b=live.gid("Account", victims[-1])
    )
    assert result.data is not None
    assert (result.data["x"], result.data["y"]) == (None, None)
    assert [e["node"]["name"] for e in result.data["mine"]["edges"]] == HELD[attacker]
    # connection, filter, and a cursor forged to start before every account
    for variables in ({}, {"status": "OFFERED"}, {"after": encode_cursor("offered", (0,))}):
        result = await run(ASSIGNMENTS, **variables)
        assert result.data is not None
        page = result.data["myAssignments"]
        assert [e["node"]["name"] for e in page["edges"]] == HELD[attacker]
        assert page["totalCount"] == len(HELD[attacker])
    # own partner only
    result = await run("{ myPartner { name } me { partner { name } } }")
    assert result.data == {"myPartner": {"name": attacker}, "me": {"partner": {"name": attacker}}}
    # planner fields: FORBIDDEN, no data
    for query, wanted in PLANNER_PATHS:
        variables = {}
        if wanted.get("id") == "partner":
            variables = {"id": live.gid("Partner", other_partners[0])}
        elif wanted.get("id") == "account":
            variables = {"id": live.gid("Account", victims[0])}
        result = await run(query, **variables)
        assert result.data is None or set(result.data.values()) == {None}, query
        assert codes(result) == ["FORBIDDEN"], query
    # the mutation: the other's offer reads like an account that does not exist
    missing = await run(RESPOND, id=encode_id("Account", 999))
    for account in victims:
        result = await run(RESPOND, id=live.gid("Account", account))
        assert result.data is not None and missing.data is not None
        assert result.data["respondToOffer"]["message"] == missing.data["respondToOffer"]["message"]
        assert result.data["respondToOffer"]["__typename"] == "NotFoundError"
    async with live.pool.acquire() as conn:
        statuses = await conn.fetch("SELECT offer_status FROM assignments")
    assert {r["offer_status"] for r in statuses} == {"OFFERED"}  # nothing was declined
    leaks = [(i, leak) for i, r in enumerate(results) for leak in _leaks(live, r, attacker)]
    assert leaks == []


async def test_partner_cannot_reach_planner_types_nested(live: Live) -> None:
    """Even through the portal's own node, a fragment on a planner type yields nothing."""
    query = """query ($id: ID!) { node(id: $id) { ... on Account { name totalWhitespaceCents }
                                             ... on Partner { name } } }"""
    result = await live.run(Role.PARTNER, query, partner="P1", id=live.gid("Account", "A1"))
    assert result.errors is None
    assert result.data == {"node": {}}  # the partner's view is an OfferedAccount, not an Account
