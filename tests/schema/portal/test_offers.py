"""respondToOffer, offer expiry, the repair it triggers (one per batch), and planners' offers.
Live rows: A1, A2 (with S1) -> P1; A3 -> P2; A4 -> P3; A5 unassigned."""

from __future__ import annotations

from typing import Any

import pytest

from db import offers
from db.principal import Role
from schema.common.ids import encode_id
from tests.schema.portal.conftest import Live, codes

RESPOND = """
mutation ($id: ID!, $decision: OfferDecision!, $reason: String) {
  respondToOffer(accountId: $id, decision: $decision, reason: $reason) {
    __typename
    ... on RespondToOfferSuccess { repairQueued offer { name offerStatus reason respondedAt } }
    ... on NotFoundError { entity message }
    ... on ValidationError { field rule message }
  }
}
"""
OFFERS = """
query ($filter: OfferFilterInput) {
  offers(first: 50, filter: $filter) {
    totalCount edges { node { accountName partnerName territoryCode offerStatus reason } }
  }
}
"""


async def _respond(
    live: Live, partner: str, account: str, decision: str, reason: str | None = None
) -> dict[str, Any]:
    result = await live.run(
        Role.PARTNER,
        RESPOND,
        partner=partner,
        id=live.gid("Account", account),
        decision=decision,
        reason=reason,
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    payload: dict[str, Any] = result.data["respondToOffer"]
    return payload


async def _repairs(live: Live) -> list[tuple[str, int | None]]:
    async with live.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, parent_id FROM scenarios WHERE kind = 'REPAIR' ORDER BY id"
        )
    return [(r["status"], r["parent_id"]) for r in rows]


async def _history(live: Live) -> list[tuple[int, int, str, str | None]]:
    async with live.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT account_id, partner_id, offer_status, reason FROM offer_history "
            "WHERE offer_status <> 'OFFERED' ORDER BY id"
        )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def test_accept_records_the_answer_without_repair(live: Live) -> None:
    payload = await _respond(live, "P1", "A1", "ACCEPT")
    assert payload["__typename"] == "RespondToOfferSuccess"
    assert payload["offer"]["offerStatus"] == "ACCEPTED"
    assert payload["offer"]["respondedAt"] is not None
    assert payload["repairQueued"] is False
    a1, p1 = live.tiny.account["A1"], live.tiny.partner["P1"]
    assert await _history(live) == [(a1, p1, "ACCEPTED", None)]
    assert await _repairs(live) == []
    again = await _respond(live, "P1", "A1", "DECLINE")
    assert again == {
        "__typename": "ValidationError",
        "field": "accountId",
        "rule": "offer_open",
        "message": "the offer is ACCEPTED: only an OFFERED account can be answered",
    }


async def test_declines_queue_one_repair_per_batch(live: Live) -> None:
    first = await _respond(live, "P1", "A1", "DECLINE", "no capacity")
    assert first["offer"] == {
        "name": "A1",
        "offerStatus": "DECLINED",
        "reason": "no capacity",
        "respondedAt": first["offer"]["respondedAt"],
    }
    assert first["repairQueued"] is True
    assert await _repairs(live) == [("QUEUED", live.scenario)]
    second = await _respond(live, "P2", "A3", "DECLINE", "not our market")
    assert second["repairQueued"] is False  # the queued repair is still to run
    assert await _repairs(live) == [("QUEUED", live.scenario)]
    async with live.pool.acquire() as conn:
        await conn.execute("UPDATE scenarios SET status = 'SOLVED' WHERE kind = 'REPAIR'")
    third = await _respond(live, "P1", "A2", "DECLINE")
    assert third["repairQueued"] is True  # the earlier repair has finished: a new one
    assert [s for s, _ in await _repairs(live)] == ["SOLVED", "QUEUED"]
    t, p = live.tiny.account, live.tiny.partner
    assert await _history(live) == [
        (t["A1"], p["P1"], "DECLINED", "no capacity"),
        (t["A3"], p["P2"], "DECLINED", "not our market"),
        (t["A2"], p["P1"], "DECLINED", None),
    ]


async def test_bad_answers_are_payloads(live: Live) -> None:
    too_long = await _respond(live, "P1", "A1", "DECLINE", "x" * 2001)
    assert (too_long["__typename"], too_long["rule"]) == ("ValidationError", "max_length")
    result = await live.run(
        Role.PARTNER, RESPOND, partner="P1", id=encode_id("Partner", 1), decision="ACCEPT"
    )
    assert result.data is not None
    assert result.data["respondToOffer"]["rule"] == "global_id"
    unassigned = await _respond(live, "P1", "A5", "ACCEPT")
    assert unassigned == {
        "__typename": "NotFoundError",
        "entity": "Offer",
        "message": "Your partner holds no offer of this account",
    }


async def test_expired_offers_show_expired_and_queue_a_repair(live: Live) -> None:
    async with live.pool.acquire() as conn:
        await conn.execute(
            "UPDATE assignments SET offered_at = now() - interval '15 days' WHERE account_id = $1",
            live.tiny.account["A1"],
        )
    query = "{ myAssignments { edges { node { name offerStatus expiresAt } } } }"
    result = await live.run(Role.PARTNER, query, partner="P1")
    assert result.data is not None
    nodes = [e["node"] for e in result.data["myAssignments"]["edges"]]
    assert [(n["name"], n["offerStatus"]) for n in nodes] == [("A1", "EXPIRED"), ("A2", "OFFERED")]
    assert nodes[0]["expiresAt"] is None and nodes[1]["expiresAt"] is not None
    assert await _repairs(live) == [("QUEUED", live.scenario)]
    late = await _respond(live, "P1", "A1", "ACCEPT")
    assert late["rule"] == "offer_open"
    a1, p1 = live.tiny.account["A1"], live.tiny.partner["P1"]
    assert await _history(live) == [(a1, p1, "EXPIRED", "offer expired")]


async def test_expire_offers_for_the_worker_and_cli(live: Live, monkeypatch: Any) -> None:
    async with live.pool.acquire() as conn:
        await conn.execute("UPDATE assignments SET offered_at = now() - interval '3 days'")
        assert await offers.expire_offers(conn) == []  # 14 days by default: nothing expired
        monkeypatch.setenv(offers.TTL_ENV, "2")
        queued = await offers.expire_offers(conn)
        assert len(queued) == 1  # four expiries of one scenario: one repair
        statuses = {r[0] for r in await conn.fetch("SELECT offer_status FROM assignments")}
    assert statuses == {"EXPIRED"}
    monkeypatch.setenv(offers.TTL_ENV, "0")
    with pytest.raises(ValueError, match="ALLOT_OFFER_TTL_DAYS must be a whole number"):
        offers.ttl_days()


async def test_expire_offers_mutation_is_for_planners(live: Live) -> None:
    async with live.pool.acquire() as conn:
        await conn.execute("UPDATE assignments SET offered_at = now() - interval '30 days'")
    mutation = "mutation { expireOffers { repairScenarioIds } }"
    denied = await live.run(Role.PARTNER, mutation, partner="P1")
    assert codes(denied) == ["FORBIDDEN"]
    done = await live.run(Role.PLANNER, mutation)
    assert done.data is not None
    assert len(done.data["expireOffers"]["repairScenarioIds"]) == 1


async def test_planners_see_status_and_reasons_by_partner_and_territory(live: Live) -> None:
    await _respond(live, "P1", "A1", "DECLINE", "too far")
    declined = await live.run(Role.VIEWER, OFFERS, filter={"status": "DECLINED"})
    assert declined.data is not None
    assert declined.data["offers"]["edges"] == [
        {
            "node": {
                "accountName": "A1",
                "partnerName": "P1",
                "territoryCode": "NORTH",
                "offerStatus": "DECLINED",
                "reason": "too far",
            }
        }
    ]
    by_partner = await live.run(
        Role.PLANNER, OFFERS, filter={"partnerId": live.gid("Partner", "P1")}
    )
    assert by_partner.data is not None
    assert by_partner.data["offers"]["totalCount"] == 2
    south = encode_id("Territory", live.tiny.territory["SOUTH"])
    by_territory = await live.run(Role.PLANNER, OFFERS, filter={"territoryId": south})
    assert by_territory.data is not None
    names = [e["node"]["accountName"] for e in by_territory.data["offers"]["edges"]]
    assert names == ["A4"]
    bad = await live.run(Role.PLANNER, OFFERS, filter={"partnerId": south})
    assert codes(bad) == ["BAD_USER_INPUT"]


async def test_every_worker_carries_the_offer_expiry_schedule(live: Live, monkeypatch: Any) -> None:
    from api.worker import OFFER_EXPIRY_CRON, Worker

    worker = Worker(live.pool)
    scheduled = {(str(k.entrypoint), str(k.expression)) for k in worker.pgq.sm.registry}
    assert ("expire_offers", OFFER_EXPIRY_CRON) in scheduled
    async with live.pool.acquire() as conn:
        await conn.execute("UPDATE assignments SET offered_at = now() - interval '3 days'")
    monkeypatch.setenv(offers.TTL_ENV, "2")
    queued = await worker.expire_offers()  # what the schedule runs
    assert len(queued) == 1
    async with live.pool.acquire() as conn:
        statuses = {r[0] for r in await conn.fetch("SELECT offer_status FROM assignments")}
    assert statuses == {"EXPIRED"}
