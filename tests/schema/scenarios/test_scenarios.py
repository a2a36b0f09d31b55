"""Scenario GraphQL: CRUD with parameters as global IDs, field-level errors, status rules,
solve/cancel, and the solveProgress subscription (current state first, then events)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.scenarios import progress, repository
from db.scenarios.models import ScenarioStatus
from schema import schema
from schema.common.ids import decode_id, encode_id
from schema.context import Context
from tests.auth_helpers import ADMIN
from tests.schema.conftest import Run, ok

FIELDS = """id name status version createdBy parent { id }
  parameters { timeLimitS scope { territoryIds coverage productLineIds accountIds }
    partnerCapacities { id capacity } specialistCapacities { id capacity }
    policy { mustCover pins { accountId partnerId } forbids { accountId partnerId }
      tierFloor { minWhitespaceCents tier } minTrackShare { track share }
      maxAccountsPerPartner stickiness } }"""
PAYLOAD = f"""__typename ... on ScenarioSuccess {{ scenario {{ {FIELDS} }} }}
  ... on ValidationError {{ field rule message }} ... on ConflictError {{ field message }}
  ... on NotFoundError {{ entity id }}"""
CREATE = (
    f"mutation ($input: CreateScenarioInput!) {{ createScenario(input: $input) {{ {PAYLOAD} }} }}"
)
UPDATE = f"""mutation ($id: ID!, $input: UpdateScenarioInput!) {{
  updateScenario(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
SOLVE = f"mutation ($id: ID!) {{ solveScenario(id: $id) {{ {PAYLOAD} }} }}"
CANCEL = f"mutation ($id: ID!) {{ cancelSolve(scenarioId: $id) {{ {PAYLOAD} }} }}"
CLONE = f"mutation ($id: ID!) {{ cloneScenario(id: $id) {{ {PAYLOAD} }} }}"
ARCHIVE = f"mutation ($id: ID!) {{ archiveScenario(id: $id) {{ {PAYLOAD} }} }}"
DELETE = """mutation ($id: ID!) { deleteScenario(id: $id) { __typename
  ... on DeleteScenarioSuccess { deletedId } ... on ConflictError { field } } }"""
GET = f"query ($id: ID!) {{ scenario(id: $id) {{ {FIELDS} transitions {{ toStatus }} }} }}"
LIST = """query ($first: Int!, $after: String, $filter: ScenarioFilterInput) {
  scenarios(first: $first, after: $after, filter: $filter) {
    totalCount edges { node { id status } } pageInfo { hasNextPage endCursor } } }"""
SUB = """subscription ($id: ID!) { solveProgress(scenarioId: $id) {
  scenarioId status incumbent bound gap elapsedS } }"""


@pytest.fixture(autouse=True)
async def _no_listener_left() -> AsyncIterator[None]:
    """Subscriptions start a per-pool listener; stop it with the test's pool."""
    yield
    await progress.close_listeners()


async def _gid(pool: asyncpg.Pool, table: str, kind: str, offset: int = 0) -> str:
    db_id = await pool.fetchval(f"SELECT id FROM {table} ORDER BY id OFFSET $1 LIMIT 1", offset)
    return encode_id(kind, db_id)


async def _create(run: Run, **input: Any) -> dict[str, Any]:
    data = ok(await run(CREATE, input={"name": "plan", **input}))["createScenario"]
    assert data["__typename"] == "ScenarioSuccess", data
    scenario: dict[str, Any] = data["scenario"]
    return scenario


async def test_create_with_every_parameter_and_read_back(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    territory = await seeded_pool.fetchval("SELECT id FROM territories ORDER BY id LIMIT 1")
    line = await seeded_pool.fetchval("SELECT id FROM product_lines ORDER BY id LIMIT 1")
    # Pins and forbids must name accounts of the scope: two that pass every filter below.
    in_scope = await seeded_pool.fetch(
        "SELECT DISTINCT a.id FROM accounts a JOIN account_wallets w ON w.account_id = a.id "
        "WHERE a.territory_id = $1 AND w.product_line_id = $2 AND w.whitespace_cents > 0 "
        "ORDER BY a.id LIMIT 2",
        territory,
        line,
    )
    acc0, acc1 = (encode_id("Account", r["id"]) for r in in_scope)
    p0 = await _gid(seeded_pool, "partners", "Partner")
    p1 = await _gid(seeded_pool, "partners", "Partner", 1)
    params = {
        "timeLimitS": 12.5,
        "scope": {
            "territoryIds": [encode_id("Territory", territory)],
            "coverage": "ANY",
            "productLineIds": [encode_id("ProductLine", line)],
            "accountIds": [acc0, acc1],
        },
        "partnerCapacities": [{"id": p0, "capacity": 9}],
        "specialistCapacities": [
            {"id": await _gid(seeded_pool, "specialists", "Specialist"), "capacity": 1}
        ],
        "policy": {
            "mustCover": False,
            "pins": [{"accountId": acc0, "partnerId": p0}],
            "forbids": [{"accountId": acc1, "partnerId": p1}],
            "tierFloor": {"minWhitespaceCents": 500000, "tier": "GOLD"},
            "minTrackShare": [{"track": "VALUE", "share": 0.25}],
            "maxAccountsPerPartner": 30,
            "stickiness": 0.05,
        },
    }
    s = await _create(run, parameters=params)
    assert s["status"] == "DRAFT" and s["version"] == 1 and s["createdBy"] == "test-admin"
    got = ok(await run(GET, id=s["id"]))["scenario"]
    back = got["parameters"]
    for key in ("scope", "partnerCapacities", "specialistCapacities", "timeLimitS"):
        assert back[key] == params[key], key
    floor = {"minWhitespaceCents": "500000", "tier": "GOLD"}  # Cents go out as strings
    assert back["policy"] == {**params["policy"], "tierFloor": floor}  # type: ignore[dict-item]
    assert [t["toStatus"] for t in got["transitions"]] == ["DRAFT"]


async def test_defaults_are_every_unnamed_account(run: Run) -> None:
    s = await _create(run)
    scope = s["parameters"]["scope"]
    assert scope == {
        "territoryIds": [],
        "coverage": "UNNAMED",
        "productLineIds": [],
        "accountIds": [],
    }
    assert s["parameters"]["timeLimitS"] == 30.0


@pytest.mark.parametrize(
    ("parameters", "field", "rule"),
    [
        ({"timeLimitS": 0}, "input.parameters.timeLimitS", "range"),
        (
            {"policy": {"minTrackShare": [{"track": "VALUE", "share": 1.5}]}},
            "input.parameters.policy.minTrackShare[0].share",
            "rate_0_1",
        ),
        (
            {"policy": {"pins": [{"accountId": encode_id("Partner", 1), "partnerId": "x"}]}},
            "input.parameters.policy.pins[0].accountId",
            "global_id",
        ),
        (
            {
                "policy": {
                    "forbids": [
                        {
                            "accountId": encode_id("Account", 1),
                            "partnerId": encode_id("Partner", 10**9),
                        }
                    ]
                }
            },
            "input.parameters.policy.forbids[0].partnerId",
            "exists",
        ),
        (
            {"scope": {"territoryIds": [encode_id("Territory", 10**9)]}},
            "input.parameters.scope.territoryIds[0]",
            "exists",
        ),
        (
            {"partnerCapacities": [{"id": encode_id("Partner", 1), "capacity": -3}]},
            "input.parameters.partnerCapacities[0].capacity",
            "non_negative",
        ),
    ],
)
async def test_bad_parameters_name_the_field(
    run: Run, parameters: dict[str, Any], field: str, rule: str
) -> None:
    data = ok(await run(CREATE, input={"name": "bad", "parameters": parameters}))["createScenario"]
    assert data["__typename"] == "ValidationError", data
    assert (data["field"], data["rule"]) == (field, rule)


async def test_lifecycle_rules(run: Run, seeded_pool: asyncpg.Pool) -> None:
    s = await _create(run)
    upd = ok(
        await run(UPDATE, id=s["id"], input={"name": "renamed", "parameters": {"timeLimitS": 3}})
    )
    assert upd["updateScenario"]["scenario"]["version"] == 2
    clone = ok(await run(CLONE, id=s["id"]))["cloneScenario"]["scenario"]
    assert clone["parent"] == {"id": s["id"]} and clone["parameters"]["timeLimitS"] == 3
    solved = ok(await run(SOLVE, id=s["id"]))["solveScenario"]
    assert solved["scenario"]["status"] == "QUEUED"
    again = ok(await run(SOLVE, id=s["id"]))["solveScenario"]
    assert again["__typename"] == "ConflictError" and again["field"] == "status"
    blocked = ok(await run(UPDATE, id=s["id"], input={"name": "x"}))["updateScenario"]
    assert blocked["__typename"] == "ConflictError"
    assert ok(await run(DELETE, id=s["id"]))["deleteScenario"]["__typename"] == "ConflictError"
    cancelled = ok(await run(CANCEL, id=s["id"]))["cancelSolve"]
    assert cancelled["scenario"]["status"] == "CANCELLED"
    assert await seeded_pool.fetchval("SELECT count(*) FROM pgqueuer") == 0
    archived = ok(await run(ARCHIVE, id=s["id"]))["archiveScenario"]["scenario"]
    assert archived["status"] == "ARCHIVED"
    deleted = ok(await run(DELETE, id=clone["id"]))["deleteScenario"]
    assert deleted == {"__typename": "DeleteScenarioSuccess", "deletedId": clone["id"]}
    assert ok(await run(GET, id=clone["id"]))["scenario"] is None
    missing = ok(await run(SOLVE, id=encode_id("Scenario", 10**9)))["solveScenario"]
    assert missing["__typename"] == "NotFoundError"


async def test_list_newest_first_with_filter_and_cursor(run: Run) -> None:
    made = [await _create(run) for _ in range(3)]
    ok(await run(SOLVE, id=made[0]["id"]))
    page = ok(await run(LIST, first=2))["scenarios"]
    assert [e["node"]["id"] for e in page["edges"]] == [made[2]["id"], made[1]["id"]]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = ok(await run(LIST, first=2, after=page["pageInfo"]["endCursor"]))["scenarios"]
    assert [e["node"]["id"] for e in rest["edges"]] == [made[0]["id"]]
    queued = ok(await run(LIST, first=5, filter={"status": "QUEUED"}))["scenarios"]
    assert [e["node"]["id"] for e in queued["edges"]] == [made[0]["id"]]


async def test_subscription_starts_with_the_current_state(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    s = await _create(run)
    ok(await run(SOLVE, id=s["id"]))
    stream = await schema.subscribe(
        SUB,
        variable_values={"id": s["id"]},
        context_value=Context(pool=seeded_pool, principal=ADMIN),
    )
    assert not hasattr(stream, "errors"), stream
    first = await asyncio.wait_for(anext(stream), 10)  # type: ignore[arg-type]
    assert first.errors is None and first.data["solveProgress"]["status"] == "QUEUED"
    sid = decode_id(s["id"], "Scenario")
    await repository.transition(seeded_pool, sid, ScenarioStatus.SOLVING)
    await progress.publish(
        seeded_pool, progress.event(sid, "SOLVING", incumbent=5.0, bound=8.0, gap=0.375)
    )
    second = await asyncio.wait_for(anext(stream), 10)  # type: ignore[arg-type]
    event = second.data["solveProgress"]
    assert (event["status"], event["incumbent"], event["bound"], event["gap"]) == (
        "SOLVING",
        5.0,
        8.0,
        0.375,
    )
    await repository.transition(seeded_pool, sid, ScenarioStatus.FAILED, "test")
    await progress.publish(seeded_pool, progress.event(sid, "FAILED"))
    third = await asyncio.wait_for(anext(stream), 10)  # type: ignore[arg-type]
    assert third.data["solveProgress"]["status"] == "FAILED"
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), 10)  # type: ignore[arg-type]


async def test_pins_and_forbids_outside_the_scope_or_on_inactive_partners_are_refused(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    named = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'NAMED' ORDER BY id LIMIT 1"
    )
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    p0 = await seeded_pool.fetchval("SELECT id FROM partners ORDER BY id LIMIT 1")
    pair_in = {"accountId": encode_id("Account", unnamed), "partnerId": encode_id("Partner", p0)}
    pair_out = {"accountId": encode_id("Account", named), "partnerId": encode_id("Partner", p0)}
    # Default scope: UNNAMED accounts only.
    data = ok(
        await run(
            CREATE, input={"name": "x", "parameters": {"policy": {"forbids": [pair_in, pair_out]}}}
        )
    )["createScenario"]
    assert data["__typename"] == "ValidationError", data
    assert (data["field"], data["rule"]) == (
        "input.parameters.policy.forbids[1].accountId",
        "in_scope",
    )
    s = await _create(run, parameters={"policy": {"pins": [pair_in]}})
    await seeded_pool.execute("UPDATE partners SET active = false WHERE id = $1", p0)
    data = ok(await run(UPDATE, id=s["id"], input={"parameters": {"policy": {"pins": [pair_in]}}}))[
        "updateScenario"
    ]
    assert data["__typename"] == "ValidationError", data
    assert (data["field"], data["rule"]) == ("input.parameters.policy.pins[0].partnerId", "active")
