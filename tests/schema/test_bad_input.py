"""Bad input gets a clear, typed error naming the field and rule: never a masked error."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from graphql import GraphQLError

from schema import schema
from schema.common.errors import UserInputError, is_unexpected
from schema.common.ids import encode_id
from schema.context import Context
from tests.schema.conftest import Run, error_messages, ok

ERRORS = """__typename
  ... on ValidationError { field rule message }
  ... on NotFoundError { entity id }
  ... on ConflictError { field message }"""
CREATE_PARTNER = (
    "mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { " + ERRORS + " } }"
)


def partner(**overrides: Any) -> dict[str, Any]:
    return {"name": "Valid Name", "track": "VOLUME", "tier": "SILVER", "capacity": 10} | overrides


async def payload(run: Run, query: str, field: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = ok(await run(query, **variables))[field]
    return result


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"name": "bad\x00name"}, "input.name", "no_nul_bytes"),
        ({"name": ""}, "input.name", "required"),
        ({"name": "   "}, "input.name", "required"),
        ({"name": "x" * 201}, "input.name", "max_length"),
        ({"capacity": -1}, "input.capacity", "non_negative"),
    ],
)
async def test_create_partner_validation(
    run: Run, overrides: dict[str, Any], field: str, rule: str
) -> None:
    got = await payload(run, CREATE_PARTNER, "createPartner", input=partner(**overrides))
    assert (got["__typename"], got["field"], got["rule"]) == ("ValidationError", field, rule)
    assert got["message"]


async def test_duplicate_partner_name_is_a_conflict(run: Run, seeded_pool: asyncpg.Pool) -> None:
    existing = await seeded_pool.fetchval("SELECT name FROM partners ORDER BY id LIMIT 1")
    got = await payload(run, CREATE_PARTNER, "createPartner", input=partner(name=existing.upper()))
    assert got == {
        "__typename": "ConflictError",
        "field": "input.name",
        "message": "a partner with this name already exists",
    }
    other = await seeded_pool.fetchval("SELECT id FROM partners ORDER BY id DESC LIMIT 1")
    update = (
        "mutation ($id: ID!, $name: String!) { updatePartner(id: $id, input: {name: $name}) { "
        + ERRORS
        + " } }"
    )
    got = await payload(run, update, "updatePartner", id=encode_id("Partner", other), name=existing)
    assert (got["__typename"], got["field"]) == ("ConflictError", "input.name")


async def test_duplicate_external_ref_is_a_conflict(run: Run, seeded_pool: asyncpg.Pool) -> None:
    row = await seeded_pool.fetchrow("SELECT external_ref, territory_id FROM accounts LIMIT 1")
    query = (
        "mutation ($input: CreateAccountInput!) { createAccount(input: $input) { " + ERRORS + " } }"
    )
    account = {
        "externalRef": row["external_ref"],
        "name": "Dup",
        "territoryId": encode_id("Territory", row["territory_id"]),
        "segment": "SMB",
        "workload": 1,
    }
    got = await payload(run, query, "createAccount", input=account)
    assert (got["__typename"], got["field"]) == ("ConflictError", "input.externalRef")
    got = await payload(run, query, "createAccount", input=account | {"workload": 0})
    assert (got["field"], got["rule"]) == ("input.workload", "min_1")


async def test_unknown_territory_is_a_validation_error(run: Run) -> None:
    query = (
        "mutation ($input: CreateAccountInput!) { createAccount(input: $input) { " + ERRORS + " } }"
    )
    account = {
        "externalRef": "NEW-1",
        "name": "New",
        "territoryId": encode_id("Territory", 987_654),
        "segment": "SMB",
        "workload": 1,
    }
    got = await payload(run, query, "createAccount", input=account)
    assert (got["__typename"], got["field"], got["rule"]) == (
        "ValidationError",
        "input.territoryId",
        "exists",
    )


async def test_set_partner_territories_checks_each_id(run: Run, seeded_pool: asyncpg.Pool) -> None:
    pid, tid = await seeded_pool.fetchrow(
        "SELECT partner_id, territory_id FROM partner_territories ORDER BY 1, 2 LIMIT 1"
    )
    query = (
        "mutation ($id: ID!, $t: [ID!]!) { setPartnerTerritories(id: $id, territoryIds: $t) { "
        + ERRORS
        + " } }"
    )
    good = encode_id("Territory", tid)
    cases = [
        ([good, encode_id("Territory", 987_654)], "territoryIds.1", "exists"),
        ([good, good], "territoryIds.1", "unique"),
        ([good, encode_id("Partner", pid)], "territoryIds.1", "global_id"),
    ]
    for ids, field, rule in cases:
        got = await payload(
            run, query, "setPartnerTerritories", id=encode_id("Partner", pid), t=ids
        )
        assert (got["__typename"], got["field"], got["rule"]) == ("ValidationError", field, rule)
    still = await seeded_pool.fetchval(
        "SELECT count(*) FROM partner_territories WHERE partner_id = $1 AND territory_id = $2",
        pid,
        tid,
    )
    assert still == 1, "a refused replacement keeps the old territories"


@pytest.mark.parametrize("rate", [-0.01, 1.01, 5.0])
async def test_rates_outside_zero_one(run: Run, seeded_pool: asyncpg.Pool, rate: float) -> None:
    pid = await seeded_pool.fetchval("SELECT min(id) FROM partners")
    lines = [r["id"] for r in await seeded_pool.fetch("SELECT id FROM product_lines LIMIT 2")]
    query = (
        "mutation ($id: ID!, $c: [CompetencyInput!]!) { setPartnerCompetencies(id: $id,"
        " competencies: $c) { " + ERRORS + " } }"
    )
    competencies = [
        {"productLineId": encode_id("ProductLine", lines[0]), "attachRate": 0.5},
        {"productLineId": encode_id("ProductLine", lines[1]), "attachRate": rate},
    ]
    got = await payload(
        run, query, "setPartnerCompetencies", id=encode_id("Partner", pid), c=competencies
    )
    assert (got["field"], got["rule"]) == ("competencies.1.attachRate", "rate_0_1")
    assert got["message"] == "competencies.1.attachRate must be between 0 and 1"

    specialist = {
        "name": "S",
        "territoryId": encode_id("Territory", 1),
        "productLineId": encode_id("ProductLine", lines[0]),
        "capacity": 1,
        "lift": rate,
    }
    query = (
        "mutation ($input: CreateSpecialistInput!) { createSpecialist(input: $input) { "
        + ERRORS
        + " } }"
    )
    got = await payload(run, query, "createSpecialist", input=specialist)
    assert (got["field"], got["rule"]) == ("input.lift", "rate_0_1")


async def test_specialist_negative_capacity_and_bad_email(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    tid = await seeded_pool.fetchval("SELECT min(id) FROM territories")
    lid = await seeded_pool.fetchval("SELECT min(id) FROM product_lines")
    query = (
        "mutation ($input: CreateSpecialistInput!) { createSpecialist(input: $input) { "
        + ERRORS
        + " } }"
    )
    base = {
        "name": "S",
        "territoryId": encode_id("Territory", tid),
        "productLineId": encode_id("ProductLine", lid),
        "capacity": 1,
        "lift": 0.1,
    }
    got = await payload(run, query, "createSpecialist", input=base | {"capacity": -5})
    assert (got["field"], got["rule"]) == ("input.capacity", "non_negative")
    got = await payload(run, query, "createSpecialist", input=base | {"email": "nope"})
    assert (got["field"], got["rule"]) == ("input.email", "email")


async def test_negative_money_is_refused(run: Run, seeded_pool: asyncpg.Pool) -> None:
    aid = await seeded_pool.fetchval("SELECT min(id) FROM accounts")
    lid = await seeded_pool.fetchval("SELECT min(id) FROM product_lines")
    query = (
        "mutation ($input: SetAccountWalletInput!) { setAccountWallet(input: $input) { "
        + ERRORS
        + " } }"
    )
    wallet = {
        "accountId": encode_id("Account", aid),
        "productLineId": encode_id("ProductLine", lid),
        "walletCents": "-1",
        "spendCents": "0",
    }
    got = await payload(run, query, "setAccountWallet", input=wallet)
    assert (got["field"], got["rule"]) == ("input.walletCents", "non_negative")
    result = await run(query, input=wallet | {"walletCents": "12x"})
    assert result.data is None
    assert any("Cents must be a string of digits" in m for m in error_messages(result))


async def test_malformed_and_mistyped_global_ids_in_queries(run: Run) -> None:
    cases = [
        ('{ partner(id: "xyz") { id } }', "Invalid argument id: id is not a valid ID"),
        (
            '{ partner(id: "' + encode_id("Account", 1) + '") { id } }',
            "Invalid argument id: id must be an ID of a Partner, got one of a Account",
        ),
        (
            '{ node(id: "' + encode_id("Secret", 1) + '") { id } }',
            "Argument id names an unknown type 'Secret'",
        ),
        (
            '{ accounts(filter: {territoryId: "bad"}) { totalCount } }',
            "Invalid argument filter.territoryId: filter.territoryId is not a valid ID",
        ),
    ]
    for query, message in cases:
        assert error_messages(await run(query)) == [message]


async def test_malformed_id_and_missing_object_in_mutations(run: Run) -> None:
    query = "mutation ($id: ID!) { deactivatePartner(id: $id) { " + ERRORS + " } }"
    got = await payload(run, query, "deactivatePartner", id="%%%")
    assert (got["__typename"], got["field"], got["rule"]) == ("ValidationError", "id", "global_id")
    missing = encode_id("Partner", 424_242)
    got = await payload(run, query, "deactivatePartner", id=missing)
    assert got == {"__typename": "NotFoundError", "entity": "Partner", "id": missing}


async def test_nul_byte_in_a_search_is_a_clear_error(run: Run) -> None:
    result = await run(
        "query ($f: PartnerFilterInput) { partners(filter: $f) { totalCount } }",
        f={"nameSearch": "a\x00b"},
    )
    assert error_messages(result) == [
        "Invalid argument filter.nameSearch: filter.nameSearch must not contain NUL bytes"
    ]


async def test_bad_filter_values_name_their_path(run: Run) -> None:
    line = encode_id("ProductLine", 1)
    result = await run(
        "query ($f: PartnerFilterInput) { partners(filter: $f) { totalCount } }",
        f={"competency": {"productLineId": line, "minRate": 1.5}},
    )
    assert error_messages(result) == [
        "Invalid argument filter.competency.minRate:"
        " filter.competency.minRate must be between 0 and 1"
    ]
    result = await run(
        "query ($f: AccountFilterInput) { accounts(filter: $f) { totalCount } }",
        f={"whitespace": {"productLineId": line, "minCents": "-5"}},
    )
    assert error_messages(result) == [
        "Invalid argument filter.whitespace.minCents: filter.whitespace.minCents must be at least 0"
    ]


async def test_unknown_enum_value_is_rejected_by_validation(run: Run) -> None:
    result = await run(CREATE_PARTNER, input=partner(track="DIAMOND"))
    assert result.data is None
    [message] = error_messages(result)
    assert "DIAMOND" in message and "Track" in message
    result = await run("{ accounts(order: BY_MOOD) { totalCount } }")
    assert "BY_MOOD" in error_messages(result)[0]


async def test_query_depth_is_limited(run: Run) -> None:
    nested = (
        "territories { partners { edges { node { territories { " * 3 + "code" + " } } } } }" * 3
    )
    result = await run("{ " + nested + " }")
    assert result.data is None
    assert "exceeds maximum operation depth" in error_messages(result)[0]


async def test_alias_count_is_limited(run: Run) -> None:
    many = " ".join(f"a{i}: productLines {{ code }}" for i in range(31))
    result = await run("{ " + many + " }")
    assert result.data is None
    assert "aliases" in error_messages(result)[0]


async def test_unexpected_errors_are_masked(seeded_database_url: str) -> None:
    pool = await asyncpg.create_pool(seeded_database_url, min_size=1, max_size=1)
    await pool.close()
    result = await schema.execute("{ productLines { code } }", context_value=Context(pool=pool))
    assert error_messages(result)[0].startswith("Unexpected error (id ")  # id: see the log
    assert is_unexpected(GraphQLError("boom", original_error=RuntimeError("secret")))
    user = UserInputError("bad", argument="first", rule="range")
    assert not is_unexpected(GraphQLError("bad", original_error=user))
    assert not is_unexpected(GraphQLError("Syntax Error"))


async def test_introspection_is_off_in_production(seeded_pool: asyncpg.Pool) -> None:
    query = "{ __schema { queryType { name } } }"
    dev = await schema.execute(query, context_value=Context(pool=seeded_pool))
    assert dev.errors is None
    prod = await schema.execute(query, context_value=Context(pool=seeded_pool, production=True))
    assert prod.data is None
    assert "introspection" in error_messages(prod)[0].lower()
    typename = await schema.execute(
        "{ __typename }", context_value=Context(pool=seeded_pool, production=True)
    )
    assert typename.data == {"__typename": "Query"}
