"""Query safety: depth, aliases, tokens and cost each refused with their message; masked
unexpected errors carry an id that is in the log with the traceback; the schema-level
authentication gate."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from starlette.requests import Request

from schema import schema
from schema.context import Context
from schema.security.limits import MAX_COST, MAX_TOKENS
from tests.auth_helpers import context_for
from tests.schema.conftest import error_messages

NESTED = (
    "partners(first: {outer}) {{ edges {{ node {{ territories {{ "
    "partners(first: {inner}) {{ edges {{ node {{ name }} }} }} }} }} }} }}"
)


async def execute(pool: asyncpg.Pool, query: str, **variables: object) -> list[str]:
    result = await schema.execute(
        query, variable_values=variables or None, context_value=context_for(pool)
    )
    return error_messages(result)


async def test_depth_is_limited(seeded_pool: asyncpg.Pool) -> None:
    level = "territories { partners { edges { node { "
    deep = "{ " + level * 3 + "name" + " } } } }" * 3 + " }"
    messages = await execute(seeded_pool, deep)
    assert messages == ["'anonymous' exceeds maximum operation depth of 10"]


async def test_aliases_are_limited(seeded_pool: asyncpg.Pool) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    assert await execute(seeded_pool, query) == ["31 aliases found. Allowed: 30"]


async def test_tokens_are_limited(seeded_pool: asyncpg.Pool) -> None:
    query = "{ " + " ".join("__typename" for _ in range(MAX_TOKENS)) + " }"
    assert await execute(seeded_pool, query) == [
        f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted."
    ]


async def test_cost_is_limited_with_literals_and_variables(
    seeded_pool: asyncpg.Pool,
) -> None:
    # partners 1 + edges 100 + node 100 + territories 100 + partners 100
    # + (edges + node + name) * 100 * 100 = 30401
    big = "{ " + NESTED.format(outer=100, inner=100) + " }"
    assert await execute(seeded_pool, big) == [
        f"Query cost 30401 exceeds the limit of {MAX_COST} (each field counts once per item of "
        "the pages above it: ask for smaller pages or fewer nested connections)"
    ]
    with_variables = (
        "query ($n: Int!, $m: Int = 100) { " + NESTED.format(outer="$n", inner="$m") + " }"
    )
    assert (await execute(seeded_pool, with_variables, n=100))[0].startswith("Query cost 30401")
    # 1 + 4 * 10 + 3 * 10 * 10 = 341: well under the limit, and answered.
    small = await schema.execute(
        with_variables,
        variable_values={"n": 10, "m": 10},
        context_value=context_for(seeded_pool),
    )
    assert small.errors is None
    assert small.data is not None and len(small.data["partners"]["edges"]) == 10


async def test_cost_counts_fragments_where_they_are_spread(
    seeded_pool: asyncpg.Pool,
) -> None:
    query = """
      query { partners(first: 100) { edges { node { ...P } } } }
      fragment P on Partner {
        territories { ... on Territory { partners(first: 100) { edges { node { name } } } } }
      }
    """
    assert (await execute(seeded_pool, query))[0].startswith("Query cost 30401 exceeds")


async def test_first_is_capped_at_100(seeded_pool: asyncpg.Pool) -> None:
    messages = await execute(seeded_pool, "{ partners(first: 101) { edges { cursor } } }")
    assert messages == ["Argument first must be between 1 and 100, got 101"]


async def test_unexpected_errors_are_masked_with_an_id_in_the_log(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    await pool.close()  # every query now fails with an InterfaceError: a "bug" to mask
    with caplog.at_level(logging.ERROR, logger="allot.errors"):
        result = await schema.execute("{ productLines { code } }", context_value=context_for(pool))
    assert result.errors is not None
    error = result.errors[0]
    error_id = error.extensions["errorId"] if error.extensions else None
    assert isinstance(error_id, str) and len(error_id) == 16
    assert error.message == f"Unexpected error (id {error_id})."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    assert "pool" not in error.message.lower()  # nothing of the cause leaks
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None  # the traceback is in the log
    assert "InterfaceError" in logged[0].getMessage()


async def test_served_requests_without_a_principal_are_refused(
    seeded_pool: asyncpg.Pool,
) -> None:
    request = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})
    result = await schema.execute(
        "{ productLines { code } }",
        context_value=Context(pool=seeded_pool, request=request),
    )
    assert error_messages(result) == [
        "Authentication required: send 'Authorization: Bearer <token>'"
    ]
    assert result.errors is not None and result.errors[0].extensions == {"code": "UNAUTHENTICATED"}
