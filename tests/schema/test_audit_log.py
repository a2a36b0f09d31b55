"""Every mutation is audited (success and error payloads), and ``auditLog`` is ADMIN-only."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from db.principal import Role
from schema import schema
from tests.auth_helpers import ADMIN, context_for
from tests.schema.conftest import ok

CREATE = """
mutation AddPartner($name: String!, $capacity: Int!) {
  createPartner(input: {name: $name, track: VALUE, tier: GOLD, capacity: $capacity}) {
    __typename
  }
}
"""
LOG = """
query ($subject: String, $operation: String, $first: Int = 20, $after: String) {
  auditLog(subject: $subject, operation: $operation, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { subject role partnerId operationName mutation arguments result error } }
  }
}
"""


async def as_role(
    pool: asyncpg.Pool,
    query: str,
    role: Role = Role.ADMIN,
    partner_id: int | None = None,
    **variables: Any,
) -> Any:
    return await schema.execute(
        query,
        variable_values=variables or None,
        context_value=context_for(pool, role, partner_id),
    )


async def test_mutations_are_recorded_with_their_payload(
    seeded_pool: asyncpg.Pool,
) -> None:
    done = ok(await as_role(seeded_pool, CREATE, name="Audit Co", capacity=50))
    assert done["createPartner"]["__typename"] == "PartnerSuccess"
    refused = ok(await as_role(seeded_pool, CREATE, name="Audit Co", capacity=50))
    assert refused["createPartner"]["__typename"] == "ConflictError"  # duplicate name
    invalid = ok(await as_role(seeded_pool, CREATE, name="Other Co", capacity=-1))
    assert invalid["createPartner"]["__typename"] == "ValidationError"

    log = ok(await as_role(seeded_pool, LOG))["auditLog"]
    assert log["totalCount"] == 3
    nodes = [e["node"] for e in log["edges"]]
    assert [n["result"] for n in nodes] == [
        "ValidationError",
        "ConflictError",
        "PartnerSuccess",
    ]
    newest = nodes[0]
    assert (newest["subject"], newest["role"], newest["partnerId"]) == (
        ADMIN.subject,
        "ADMIN",
        None,
    )
    assert (newest["operationName"], newest["mutation"]) == (
        "AddPartner",
        "createPartner",
    )
    assert newest["arguments"] == {
        "input": {"name": "Other Co", "track": "VALUE", "tier": "GOLD", "capacity": -1}
    }
    assert newest["error"] is None


async def test_a_mutation_that_raises_is_recorded_as_error(
    seeded_pool: asyncpg.Pool,
) -> None:
    await seeded_pool.execute("ALTER TABLE partners RENAME TO partners_gone")  # a broken database
    result = await as_role(seeded_pool, CREATE, name="Doomed Co", capacity=5)
    assert result.errors is not None
    assert result.errors[0].message.startswith("Unexpected error (id ")  # masked
    row = await seeded_pool.fetchrow("SELECT mutation, result, error, arguments FROM audit_log")
    assert row is not None
    assert (row["mutation"], row["result"]) == ("createPartner", "ERROR")
    assert row["error"].startswith("UndefinedTableError: ")
    assert row["arguments"]["input"]["name"] == "Doomed Co"


async def test_audit_log_filters_and_pages(seeded_pool: asyncpg.Pool) -> None:
    for i in range(3):
        ok(await as_role(seeded_pool, CREATE, name=f"Paged {i}", capacity=10))
    # master data is ADMIN's (schema/permissions.py): the planner's attempt is refused, and recorded
    refused = await as_role(seeded_pool, CREATE, Role.PLANNER, name="By planner", capacity=10)
    assert [(e.extensions or {}).get("code") for e in refused.errors or []] == ["FORBIDDEN"]
    by_planner = ok(await as_role(seeded_pool, LOG, subject="test-planner"))["auditLog"]
    assert [e["node"]["role"] for e in by_planner["edges"]] == ["PLANNER"]
    none = ok(await as_role(seeded_pool, LOG, operation="publishScenario"))["auditLog"]
    assert none["totalCount"] == 0
    first = ok(await as_role(seeded_pool, LOG, first=3))["auditLog"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = ok(await as_role(seeded_pool, LOG, after=first["pageInfo"]["endCursor"]))["auditLog"]
    names = [e["node"]["arguments"]["input"]["name"] for e in first["edges"] + rest["edges"]]
    assert names == ["By planner", "Paged 2", "Paged 1", "Paged 0"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PLANNER, Role.PARTNER])
async def test_only_admin_reads_the_audit_log(seeded_pool: asyncpg.Pool, role: Role) -> None:
    ok(await as_role(seeded_pool, CREATE, name="Secret Co", capacity=5))
    result = await as_role(seeded_pool, LOG, role, 1 if role is Role.PARTNER else None)
    assert result.data is None
    assert result.errors is not None
    error = result.errors[0]
    assert error.message == "Permission denied: auditLog needs role ADMIN"
    assert error.extensions == {"code": "FORBIDDEN"}
