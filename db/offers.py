"""Offers: a partner accepts or declines an account, offers expire, declines trigger a repair.

An offer is a live ``assignments`` row in status OFFERED. Only the partner that holds it may
answer; for anyone else the account reads as "no offer" (``NotFound``), whether it exists or
not. Offers older than ``ALLOT_OFFER_TTL_DAYS`` (default 14) expire: lazily before a partner
reads or answers, and in bulk through ``expire_offers`` (worker, CLI, ``expireOffers``).
Every answer and expiry is also an ``offer_history`` row.

A decline or expiry queues a repair solve (db/repair.py) for the scenario the row came from,
unless a REPAIR scenario of that parent is already QUEUED or SOLVING: one repair per batch,
not one per decline. Rows declined while a repair runs wait for the next trigger (the next
decline or expiry, or a planner's ``repairScenario``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db.errors import Invalid, NotFound
from db.pool import AnyConnection
from db.repair import repair

TTL_ENV = "ALLOT_OFFER_TTL_DAYS"
DEFAULT_TTL_DAYS = 14
MAX_REASON = 2000
REPAIR_SUBJECT = "offers"


class Decision(StrEnum):
    """A partner's answer to an offer."""

    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"


@dataclass(frozen=True, slots=True)
class Response:
    """The outcome of an answer: the new status and the repair it queued, if any."""

    account_id: int
    offer_status: str
    responded_at: datetime
    repair_scenario_id: int | None


def ttl_days() -> int:
    """Offer lifetime in days from ``ALLOT_OFFER_TTL_DAYS`` (default 14, at least 1)."""
    raw = os.environ.get(TTL_ENV, "").strip()
    if not raw:
        return DEFAULT_TTL_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{TTL_ENV} must be a whole number of days >= 1, got {raw!r}")
    return int(raw)


EXPIRE = """
WITH expired AS (
    UPDATE assignments SET offer_status = 'EXPIRED', responded_at = now(), updated_at = now()
     WHERE offer_status = 'OFFERED' AND offered_at < now() - make_interval(days => $1)
       AND ($2::bigint IS NULL OR partner_id = $2)
    RETURNING account_id, partner_id, scenario_id
), logged AS (
    INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status, reason)
    SELECT account_id, partner_id, scenario_id, 'EXPIRED', 'offer expired' FROM expired
)
SELECT DISTINCT scenario_id FROM expired
"""
HELD = """
SELECT offer_status, scenario_id FROM assignments
 WHERE account_id = $1 AND partner_id = $2
 FOR UPDATE
"""
ANSWER = """
UPDATE assignments SET offer_status = $3, responded_at = now(), reason = $4, updated_at = now()
 WHERE account_id = $1 AND partner_id = $2
RETURNING responded_at, scenario_id
"""
HISTORY = """
INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status, reason)
VALUES ($1, $2, $3, $4, $5)
"""
REPAIR_RUNNING = """
SELECT EXISTS (SELECT 1 FROM scenarios
                WHERE kind = 'REPAIR' AND status IN ('QUEUED', 'SOLVING')
                  AND parent_id IS NOT DISTINCT FROM $1)
"""
PARENT_STATUS = "SELECT status FROM scenarios WHERE id = $1"


async def trigger_repair(conn: AnyConnection, scenario_id: int | None) -> int | None:
    """Queue a repair of ``scenario_id``'s declined/expired rows unless one is under way.

    Returns the new REPAIR scenario's id, or None when one was already QUEUED/SOLVING or there
    is nothing to repair. A parent that is no longer PUBLISHED repairs the whole live set.
    """
    parent: int | None = scenario_id
    if parent is not None and await conn.fetchval(PARENT_STATUS, parent) != "PUBLISHED":
        parent = None
    if await conn.fetchval(REPAIR_RUNNING, parent):
        return None
    try:
        created = await repair(conn, parent, REPAIR_SUBJECT)
    except Invalid:
        return None  # nothing left to repair (answered in the meantime)
    return created.id


async def expire_offers(
    conn: AnyConnection, *, partner_id: int | None = None, days: int | None = None
) -> list[int]:
    """Expire OFFERED rows older than the TTL (one partner's, or all); repair once per parent.

    Returns the ids of the REPAIR scenarios queued.
    """
    async with conn.transaction():
        rows = await conn.fetch(EXPIRE, days if days is not None else ttl_days(), partner_id)
        queued = []
        for row in rows:
            created = await trigger_repair(conn, row["scenario_id"])
            if created is not None:
                queued.append(created)
        return queued


async def respond(
    conn: AnyConnection, partner_id: int, account_id: int, decision: Decision, reason: str | None
) -> Response:
    """Record the holder's answer; ``NotFound`` for an account it holds no offer of.

    Only an OFFERED row can be answered (``Invalid`` rule ``offer_open`` otherwise). A decline
    queues a repair (see ``trigger_repair``).
    """
    if reason is not None and len(reason) > MAX_REASON:
        raise Invalid("reason", "max_length", f"reason must be at most {MAX_REASON} characters")
    await expire_offers(conn, partner_id=partner_id)
    async with conn.transaction():
        held = await conn.fetchrow(HELD, account_id, partner_id)
        if held is None:
            raise NotFound("Account", account_id)
        if held["offer_status"] != "OFFERED":
            raise Invalid(
                "accountId",
                "offer_open",
                f"the offer is {held['offer_status']}: only an OFFERED account can be answered",
            )
        status = "ACCEPTED" if decision is Decision.ACCEPT else "DECLINED"
        row = await conn.fetchrow(ANSWER, account_id, partner_id, status, reason)
        assert row is not None
        await conn.execute(HISTORY, account_id, partner_id, row["scenario_id"], status, reason)
        repair_id = None
        if decision is Decision.DECLINE:
            repair_id = await trigger_repair(conn, row["scenario_id"])
        return Response(account_id, status, row["responded_at"], repair_id)
