"""Read queries through the real schema on the seeded channel, checked against the tables."""

from __future__ import annotations

import asyncpg

from schema.common.ids import encode_id
from tests.schema.conftest import Run, ok


async def test_product_lines_and_territories_list_every_row(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    data = ok(await run("{ productLines { code businessUnit } territories { code region } }"))
    lines = await seeded_pool.fetch("SELECT code, business_unit FROM product_lines ORDER BY code")
    assert [(p["code"], p["businessUnit"]) for p in data["productLines"]] == [
        (r["code"], r["business_unit"]) for r in lines
    ]
    codes = await seeded_pool.fetch("SELECT code FROM territories ORDER BY code")
    assert [t["code"] for t in data["territories"]] == [r["code"] for r in codes]


async def test_partner_has_its_territories_and_competencies(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    row = await seeded_pool.fetchrow(
        "SELECT p.id, p.name FROM partners p JOIN partner_competencies c ON c.partner_id = p.id"
        " ORDER BY p.id LIMIT 1"
    )
    query = """query ($id: ID!) { partner(id: $id) { id name territories { code }
        competencies { attachRate productLine { code } } } }"""
    partner = ok(await run(query, id=encode_id("Partner", row["id"])))["partner"]
    assert partner["name"] == row["name"]
    territories = await seeded_pool.fetch(
        "SELECT t.code FROM partner_territories pt JOIN territories t ON t.id = pt.territory_id"
        " WHERE pt.partner_id = $1 ORDER BY t.code",
        row["id"],
    )
    assert [t["code"] for t in partner["territories"]] == [r["code"] for r in territories]
    rates = await seeded_pool.fetch(
        "SELECT l.code, c.attach_rate FROM partner_competencies c"
        " JOIN product_lines l ON l.id = c.product_line_id WHERE c.partner_id = $1",
        row["id"],
    )
    got = {c["productLine"]["code"]: c["attachRate"] for c in partner["competencies"]}
    assert got == {r["code"]: float(r["attach_rate"]) for r in rates}


async def test_account_has_wallets_totals_incumbent_and_eligible_partners(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    row = await seeded_pool.fetchrow(
        "SELECT a.id, a.territory_id, a.incumbent_partner_id, a.total_whitespace FROM accounts a"
        " WHERE incumbent_partner_id IS NOT NULL AND total_whitespace > 0 ORDER BY id LIMIT 1"
    )
    query = """query ($id: ID!) { account(id: $id) { totalWhitespaceCents
        territory { id } incumbentPartner { id }
        wallets { productLine { code } walletCents spendCents whitespaceCents }
        eligiblePartners { id active } } }"""
    account = ok(await run(query, id=encode_id("Account", row["id"])))["account"]
    assert account["territory"]["id"] == encode_id("Territory", row["territory_id"])
    assert account["incumbentPartner"]["id"] == encode_id("Partner", row["incumbent_partner_id"])
    assert account["totalWhitespaceCents"] == str(row["total_whitespace"])
    wallets = account["wallets"]
    assert wallets, "the account has wallets"
    for w in wallets:
        expected = max(0, int(w["walletCents"]) - int(w["spendCents"]))
        assert int(w["whitespaceCents"]) == expected
    assert sum(int(w["whitespaceCents"]) for w in wallets) == row["total_whitespace"]
    eligible = await seeded_pool.fetch(
        "SELECT p.id FROM partners p JOIN partner_territories pt ON pt.partner_id = p.id"
        " WHERE pt.territory_id = $1 AND p.active",
        row["territory_id"],
    )
    assert {p["id"] for p in account["eligiblePartners"]} == {
        encode_id("Partner", r["id"]) for r in eligible
    }
    assert all(p["active"] for p in account["eligiblePartners"])


async def test_territory_nests_partners_accounts_and_specialists(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    territory_id = await seeded_pool.fetchval(
        "SELECT territory_id FROM specialists ORDER BY id LIMIT 1"
    )
    query = """query ($id: ID!) { territory(id: $id) { code
        partners(first: 100) { totalCount edges { node { territories { id } } } }
        accounts(first: 100) { totalCount edges { node { territory { id } } } }
        specialists(first: 100) { totalCount edges { node { territory { id } } } } } }"""
    gid = encode_id("Territory", territory_id)
    territory = ok(await run(query, id=gid))["territory"]
    counts = await seeded_pool.fetchrow(
        "SELECT (SELECT count(*) FROM partner_territories WHERE territory_id = $1) AS partners,"
        " (SELECT count(*) FROM accounts WHERE territory_id = $1) AS accounts,"
        " (SELECT count(*) FROM specialists WHERE territory_id = $1) AS specialists",
        territory_id,
    )
    for name in ("partners", "accounts", "specialists"):
        assert territory[name]["totalCount"] == counts[name]
    assert counts["specialists"] >= 1
    for edge in territory["partners"]["edges"]:
        assert gid in [t["id"] for t in edge["node"]["territories"]]
    assert {e["node"]["territory"]["id"] for e in territory["accounts"]["edges"]} <= {gid}
    assert {e["node"]["territory"]["id"] for e in territory["specialists"]["edges"]} == {gid}


async def test_node_fetches_every_type_by_global_id(run: Run, seeded_pool: asyncpg.Pool) -> None:
    ids = await seeded_pool.fetchrow(
        "SELECT (SELECT min(id) FROM partners) AS partner,"
        " (SELECT min(id) FROM accounts) AS account,"
        " (SELECT min(id) FROM territories) AS territory,"
        " (SELECT min(id) FROM specialists) AS specialist,"
        " (SELECT min(id) FROM product_lines) AS line"
    )
    query = "query ($id: ID!) { node(id: $id) { __typename id } }"
    for type_name, key in [
        ("Partner", "partner"),
        ("Account", "account"),
        ("Territory", "territory"),
        ("Specialist", "specialist"),
        ("ProductLine", "line"),
    ]:
        gid = encode_id(type_name, ids[key])
        node = ok(await run(query, id=gid))["node"]
        assert node == {"__typename": type_name, "id": gid}


async def test_unknown_ids_resolve_to_null(run: Run) -> None:
    data = ok(
        await run(
            "query ($p: ID!, $n: ID!) { partner(id: $p) { id } node(id: $n) { id } }",
            p=encode_id("Partner", 999_999),
            n=encode_id("Account", 999_999),
        )
    )
    assert data == {"partner": None, "node": None}


async def test_nested_pages_equal_the_filtered_top_level_pages(run: Run) -> None:
    nested = ok(
        await run(
            """{ territories { id
            accounts(first: 3, order: NAME_ASC) { pageInfo { hasNextPage endCursor }
              edges { node { id } } }
            partners(first: 2) { totalCount edges { node { id } } }
            specialists(first: 1) { totalCount edges { node { id } } } } }"""
        )
    )["territories"]
    top = """query ($t: ID!) {
      accounts(first: 3, order: NAME_ASC, filter: {territoryId: $t}) {
        pageInfo { hasNextPage endCursor } edges { node { id } } }
      partners(first: 2, filter: {territoryId: $t}) { totalCount edges { node { id } } }
      specialists(first: 1, territoryId: $t) { totalCount edges { node { id } } } }"""
    assert len(nested) == 6
    for territory in nested:
        expected = ok(await run(top, t=territory["id"]))
        for field in ("accounts", "partners", "specialists"):
            assert territory[field] == expected[field], (territory["id"], field)
