"""List filters: each one returns exactly the rows the equivalent SQL returns."""

from __future__ import annotations

from typing import Any

import asyncpg

from schema.common.ids import encode_id
from tests.schema.conftest import Run, ok

PARTNERS = """query ($filter: PartnerFilterInput) {
  partners(first: 100, filter: $filter) { totalCount edges { node { id } } } }"""
ACCOUNTS = """query ($filter: AccountFilterInput) {
  accounts(first: 100, filter: $filter) { totalCount edges { node { id } } } }"""


def ids(data: dict[str, Any], field: str) -> set[str]:
    return {e["node"]["id"] for e in data[field]["edges"]}


async def expect(pool: asyncpg.Pool, type_name: str, sql: str, *args: Any) -> set[str]:
    return {encode_id(type_name, r["id"]) for r in await pool.fetch(sql, *args)}


async def test_partner_filters(run: Run, seeded_pool: asyncpg.Pool) -> None:
    territory = await seeded_pool.fetchval("SELECT min(territory_id) FROM partner_territories")
    line = await seeded_pool.fetchval("SELECT min(product_line_id) FROM partner_competencies")
    await seeded_pool.execute("UPDATE partners SET active = false WHERE id % 4 = 0")
    cases: list[tuple[dict[str, Any], str, tuple[Any, ...]]] = [
        ({"track": "VALUE"}, "SELECT id FROM partners WHERE track = 'VALUE'", ()),
        ({"tier": "GOLD"}, "SELECT id FROM partners WHERE tier = 'GOLD'", ()),
        ({"active": False}, "SELECT id FROM partners WHERE NOT active", ()),
        (
            {"territoryId": encode_id("Territory", territory)},
            "SELECT partner_id AS id FROM partner_territories WHERE territory_id = $1",
            (territory,),
        ),
        (
            {"competency": {"productLineId": encode_id("ProductLine", line), "minRate": 0.3}},
            "SELECT partner_id AS id FROM partner_competencies"
            " WHERE product_line_id = $1 AND attach_rate >= 0.3",
            (line,),
        ),
        ({"nameSearch": "so"}, "SELECT id FROM partners WHERE name ILIKE '%so%'", ()),
        (
            {"track": "VOLUME", "active": True},
            "SELECT id FROM partners WHERE track = 'VOLUME' AND active",
            (),
        ),
    ]
    for filter_, sql, args in cases:
        data = ok(await run(PARTNERS, filter=filter_))
        expected = await expect(seeded_pool, "Partner", sql, *args)
        assert ids(data, "partners") == expected, filter_
        assert data["partners"]["totalCount"] == len(expected)
    # at least one case must be a real narrowing, not everything or nothing
    assert 0 < len(await expect(seeded_pool, "Partner", cases[4][1], line)) < 20


async def test_name_search_escapes_wildcards(run: Run) -> None:
    data = ok(await run(PARTNERS, filter={"nameSearch": "%"}))
    assert data["partners"]["totalCount"] == 0


async def test_account_filters(run: Run, seeded_pool: asyncpg.Pool) -> None:
    row = await seeded_pool.fetchrow(
        "SELECT territory_id, incumbent_partner_id FROM accounts"
        " WHERE incumbent_partner_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    line = await seeded_pool.fetchval("SELECT min(product_line_id) FROM account_wallets")
    cases: list[tuple[dict[str, Any], str, tuple[Any, ...]]] = [
        ({"coverage": "UNNAMED"}, "SELECT id FROM accounts WHERE coverage = 'UNNAMED'", ()),
        (
            {"territoryId": encode_id("Territory", row["territory_id"])},
            "SELECT id FROM accounts WHERE territory_id = $1",
            (row["territory_id"],),
        ),
        (
            {"incumbentPartnerId": encode_id("Partner", row["incumbent_partner_id"])},
            "SELECT id FROM accounts WHERE incumbent_partner_id = $1",
            (row["incumbent_partner_id"],),
        ),
        (
            {"whitespace": {"productLineId": encode_id("ProductLine", line), "minCents": "500000"}},
            "SELECT account_id AS id FROM account_wallets"
            " WHERE product_line_id = $1 AND whitespace_cents >= 500000",
            (line,),
        ),
        ({"nameSearch": "A"}, "SELECT id FROM accounts WHERE name ILIKE '%a%'", ()),
    ]
    for filter_, sql, args in cases:
        expected = await expect(seeded_pool, "Account", sql, *args)
        data = ok(await run(ACCOUNTS.replace("first: 100", "first: 100"), filter=filter_))
        assert data["accounts"]["totalCount"] == len(expected), filter_
        if len(expected) <= 100:
            assert ids(data, "accounts") == expected, filter_
        else:
            assert ids(data, "accounts") <= expected, filter_


async def test_specialist_filters(run: Run, seeded_pool: asyncpg.Pool) -> None:
    row = await seeded_pool.fetchrow(
        "SELECT territory_id, product_line_id FROM specialists ORDER BY id LIMIT 1"
    )
    query = """query ($t: ID, $l: ID) { specialists(first: 100, territoryId: $t, productLineId: $l)
        { totalCount edges { node { id } } } }"""
    t, line = row["territory_id"], row["product_line_id"]
    for variables, sql, args in [
        (
            {"t": encode_id("Territory", t)},
            "SELECT id FROM specialists WHERE territory_id = $1",
            (t,),
        ),
        (
            {"l": encode_id("ProductLine", line)},
            "SELECT id FROM specialists WHERE product_line_id = $1",
            (line,),
        ),
        (
            {"t": encode_id("Territory", t), "l": encode_id("ProductLine", line)},
            "SELECT id FROM specialists WHERE territory_id = $1 AND product_line_id = $2",
            (t, line),
        ),
    ]:
        data = ok(await run(query, **variables))
        assert ids(data, "specialists") == await expect(seeded_pool, "Specialist", sql, *args)
