"""The audit log table and repository: redaction, filters, keyset pages, append-only."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from db import audit
from db.principal import Principal, Role

PARTNER = Principal("p-user", Role.PARTNER, 4)
PLANNER = Principal("planner", Role.PLANNER)


def test_redact_hides_secret_values_at_any_depth() -> None:
    value = {
        "input": {"name": "x", "password": "hunter2", "nested": [{"apiKey": "k", "n": 1}]},
        "accessToken": "t",
        "clientSecret": "s",
        "first": 3,
    }
    assert audit.redact(value) == {
        "input": {"name": "x", "password": "***", "nested": [{"apiKey": "***", "n": 1}]},
        "accessToken": "***",
        "clientSecret": "***",
        "first": 3,
    }


async def test_record_and_read_back(pool: asyncpg.Pool) -> None:
    entry_id = await audit.record(
        pool,
        principal=PARTNER,
        mutation="respondToOffer",
        arguments={"accountId": "QWNjb3VudDox", "token": "secret"},
        result="OfferResponseSuccess",
        operation_name="Respond",
    )
    page = await audit.page(pool, audit.AuditFilter(), first=10)
    (entry,) = page.items
    assert entry.id == entry_id
    assert (entry.subject, entry.role, entry.partner_id) == ("p-user", "PARTNER", 4)
    assert (entry.operation_name, entry.mutation, entry.result) == (
        "Respond",
        "respondToOffer",
        "OfferResponseSuccess",
    )
    assert entry.arguments == {"accountId": "QWNjb3VudDox", "token": "***"}
    assert entry.error is None


async def test_filters_and_keyset_pages(pool: asyncpg.Pool) -> None:
    ids = []
    for i in range(5):
        principal = PLANNER if i % 2 else PARTNER
        ids.append(
            await audit.record(
                pool,
                principal=principal,
                mutation="solveScenario" if i < 3 else "publishScenario",
                arguments={"i": i},
                result="ERROR" if i == 4 else "Ok",
                error="ValueError: boom" if i == 4 else None,
            )
        )
    everything = audit.AuditFilter()
    first = await audit.page(pool, everything, first=2)
    assert [e.id for e in first.items] == [ids[4], ids[3]] and first.has_next
    second = await audit.page(pool, everything, first=2, after=first.keys[-1])
    third = await audit.page(pool, everything, first=2, after=second.keys[-1])
    assert [e.id for e in second.items + third.items] == [ids[2], ids[1], ids[0]]
    assert not third.has_next
    assert await audit.count(pool, everything) == 5

    planner = audit.AuditFilter(subject="planner")
    assert [e.id for e in (await audit.page(pool, planner, first=10)).items] == [ids[3], ids[1]]
    solves = audit.AuditFilter(mutation="solveScenario")
    assert await audit.count(pool, solves) == 3
    at = (await audit.page(pool, everything, first=10)).items[2].at  # ids[2]
    window = audit.AuditFilter(since=at, until=at + timedelta(microseconds=1))
    assert [e.id for e in (await audit.page(pool, window, first=10)).items] == [ids[2]]
    failed = (await audit.page(pool, everything, first=1)).items[0]
    assert (failed.result, failed.error) == ("ERROR", "ValueError: boom")


async def test_the_log_is_append_only(pool: asyncpg.Pool) -> None:
    await audit.record(pool, principal=None, mutation="x", arguments={}, result="Ok")
    for statement in ("UPDATE audit_log SET subject = 'me'", "DELETE FROM audit_log"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement)
    row = await pool.fetchrow("SELECT subject, role FROM audit_log")
    assert row is not None and (row["subject"], row["role"]) == (audit.UNAUTHENTICATED, None)
