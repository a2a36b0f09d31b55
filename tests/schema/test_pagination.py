"""Keyset pagination: walking forward through every page visits each row exactly once, in order."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.schema.conftest import Run, error_messages, ok


async def walk(run: Run, query: str, field: str, **variables: Any) -> tuple[list[Any], int]:
    """All nodes of a connection, page by page; also the number of pages."""
    nodes: list[Any] = []
    after = None
    pages = 0
    while True:
        data = ok(await run(query, after=after, **variables))[field]
        pages += 1
        nodes.extend(e["node"] for e in data["edges"])
        assert data["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not data["pageInfo"]["hasNextPage"]:
            return nodes, pages
        assert data["edges"], "a page that promises more is not empty"
        after = data["pageInfo"]["endCursor"]
        assert after == data["edges"][-1]["cursor"]


ACCOUNTS = """query ($after: String, $order: AccountOrder!) {
  accounts(first: 37, after: $after, order: $order) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name totalWhitespaceCents } } } }"""


async def test_accounts_by_whitespace_visit_every_account_once(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    nodes, pages = await walk(run, ACCOUNTS, "accounts", order="TOTAL_WHITESPACE_DESC")
    total = await seeded_pool.fetchval("SELECT count(*) FROM accounts")
    assert len(nodes) == total and len({n["id"] for n in nodes}) == total
    assert pages == -(-total // 37)
    keys = [int(n["totalWhitespaceCents"]) for n in nodes]
    assert keys == sorted(keys, reverse=True)


async def test_accounts_by_name_visit_every_account_once(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    # equal names must not break the keyset: make a few duplicates across page borders
    await seeded_pool.execute("UPDATE accounts SET name = 'Same Name' WHERE id % 10 = 0")
    nodes, _ = await walk(run, ACCOUNTS, "accounts", order="NAME_ASC")
    total = await seeded_pool.fetchval("SELECT count(*) FROM accounts")
    assert len(nodes) == total and len({n["id"] for n in nodes}) == total
    names = [n["name"].lower() for n in nodes]
    assert names == sorted(names)


async def test_partners_and_specialists_visit_every_row_once(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    partners = """query ($after: String) { partners(first: 3, after: $after) {
        pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id name } } } }"""
    nodes, _ = await walk(run, partners, "partners")
    assert len({n["id"] for n in nodes}) == len(nodes)
    assert len(nodes) == await seeded_pool.fetchval("SELECT count(*) FROM partners")
    specialists = partners.replace("partners(", "specialists(")
    nodes, _ = await walk(run, specialists, "specialists")
    assert len({n["id"] for n in nodes}) == len(nodes)
    assert len(nodes) == await seeded_pool.fetchval("SELECT count(*) FROM specialists")


async def test_total_count_ignores_the_cursor(run: Run) -> None:
    first = ok(await run("{ accounts(first: 5) { totalCount pageInfo { endCursor } } }"))
    cursor = first["accounts"]["pageInfo"]["endCursor"]
    second = ok(
        await run("query ($a: String) { accounts(first: 5, after: $a) { totalCount } }", a=cursor)
    )
    assert second["accounts"]["totalCount"] == first["accounts"]["totalCount"] == 300


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
async def test_first_out_of_range_is_a_clear_error(run: Run, first: int) -> None:
    result = await run("query ($f: Int!) { accounts(first: $f) { totalCount } }", f=first)
    assert error_messages(result) == [f"Argument first must be between 1 and 100, got {first}"]
    assert result.errors is not None
    assert result.errors[0].extensions == {
        "code": "BAD_USER_INPUT",
        "argument": "first",
        "rule": "range_1_100",
    }


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "", "!!!!", "W10", "WyJuYW1lIiwxXQ", "WyJUT1RBTF9XSElURVNQQUNFX0RFU0MiLCJ4IiwxXQ"],
)
async def test_malformed_cursor_is_a_clear_error(run: Run, cursor: str) -> None:
    # "W10" is [], "WyJuYW1lIiwxXQ" ["name",1] (another list's), the last one a string key
    result = await run(
        "query ($a: String) { accounts(first: 5, after: $a) { totalCount } }", a=cursor
    )
    messages = error_messages(result)
    assert len(messages) == 1 and messages[0].startswith("Argument after is not a valid cursor")


async def test_cursor_of_another_order_is_refused(run: Run) -> None:
    page = ok(await run("{ accounts(first: 2, order: NAME_ASC) { pageInfo { endCursor } } }"))
    cursor = page["accounts"]["pageInfo"]["endCursor"]
    result = await run(
        "query ($a: String) { accounts(first: 2, after: $a) { totalCount } }", a=cursor
    )
    assert error_messages(result) == [
        "Argument after is not a valid cursor: it belongs to another order than"
        " TOTAL_WHITESPACE_DESC"
    ]


async def test_edge_cursors_are_made_whenever_the_selection_asks_for_them(run: Run) -> None:
    """Edges carry their cursors when ``cursor`` is selected under an alias, in a fragment or
    in a second selection of the same field; pageInfo's cursors are there without them."""
    plain = ok(await run("{ accounts(first: 4) { edges { cursor } } }"))["accounts"]["edges"]
    cursors = [e["cursor"] for e in plain]
    assert len(set(cursors)) == 4 and all(cursors)
    queries = [
        "{ accounts(first: 4) { edges { c: cursor } } }",
        "{ accounts(first: 4) { ...E } } fragment E on AccountConnection { edges { c: cursor } }",
        "{ accounts(first: 4) { edges { node { id } } }"
        " accounts(first: 4) { edges { c: cursor } } }",
        "{ accounts(first: 4) { edges { ... on AccountEdge { c: cursor } } } }",
    ]
    for query in queries:
        edges = ok(await run(query))["accounts"]["edges"]
        assert [e["c"] for e in edges] == cursors, query
    info = ok(await run("{ accounts(first: 4) { pageInfo { startCursor endCursor } } }"))
    assert info["accounts"]["pageInfo"] == {"startCursor": cursors[0], "endCursor": cursors[-1]}
    partners = ok(await run("{ partners(first: 3) { edges { cursor } pageInfo { endCursor } } }"))
    edges = partners["partners"]["edges"]
    assert all(e["cursor"] for e in edges)
    assert edges[-1]["cursor"] == partners["partners"]["pageInfo"]["endCursor"]
