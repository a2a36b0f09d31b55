"""Mutations: each writes what it says, returns the object, and reads back the same."""

from __future__ import annotations

from typing import Any

import asyncpg

from schema.common.ids import encode_id
from tests.schema.conftest import Run, ok

ERRORS = """
  ... on ValidationError { field rule message }
  ... on NotFoundError { entity id message }
  ... on ConflictError { field message }
"""
PARTNER = "__typename ... on PartnerSuccess { partner { id name track tier capacity active"
PARTNER += " territories { id } competencies { attachRate productLine { id } } } }" + ERRORS
ACCOUNT = "__typename ... on AccountSuccess { account { id externalRef name coverage workload"
ACCOUNT += " totalWhitespaceCents incumbentPartner { id } territory { id }"
ACCOUNT += " wallets { productLine { id } walletCents spendCents whitespaceCents } } }" + ERRORS
SPECIALIST = "__typename ... on SpecialistSuccess { specialist { id name email capacity lift"
SPECIALIST += " territory { id } productLine { id } } }" + ERRORS


async def ref_ids(pool: asyncpg.Pool) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT (SELECT min(id) FROM territories) AS t1, (SELECT max(id) FROM territories) AS t2,"
        " (SELECT min(id) FROM product_lines) AS l1, (SELECT max(id) FROM product_lines) AS l2,"
        " (SELECT min(id) FROM partners) AS p1"
    )
    return {
        "t1": encode_id("Territory", row["t1"]),
        "t2": encode_id("Territory", row["t2"]),
        "l1": encode_id("ProductLine", row["l1"]),
        "l2": encode_id("ProductLine", row["l2"]),
        "p1": encode_id("Partner", row["p1"]),
    }


async def test_partner_lifecycle(run: Run, seeded_pool: asyncpg.Pool) -> None:
    ids = await ref_ids(seeded_pool)
    created = ok(
        await run(
            f"""mutation {{ createPartner(input: {{name: "Northwind Print", track: VALUE,
            tier: GOLD, capacity: 120}}) {{ {PARTNER} }} }}"""
        )
    )["createPartner"]
    assert created["__typename"] == "PartnerSuccess"
    partner = created["partner"]
    assert (partner["name"], partner["track"], partner["tier"], partner["capacity"]) == (
        "Northwind Print",
        "VALUE",
        "GOLD",
        120,
    )
    pid = partner["id"]

    updated = ok(
        await run(
            f"""mutation ($id: ID!) {{ updatePartner(id: $id, input: {{tier: PLATINUM,
            capacity: 200}}) {{ {PARTNER} }} }}""",
            id=pid,
        )
    )["updatePartner"]["partner"]
    assert (updated["name"], updated["tier"], updated["capacity"]) == (
        "Northwind Print",
        "PLATINUM",
        200,
    )

    with_territories = ok(
        await run(
            f"""mutation ($id: ID!, $t: [ID!]!) {{ setPartnerTerritories(id: $id,
            territoryIds: $t) {{ {PARTNER} }} }}""",
            id=pid,
            t=[ids["t1"], ids["t2"]],
        )
    )["setPartnerTerritories"]["partner"]
    assert {t["id"] for t in with_territories["territories"]} == {ids["t1"], ids["t2"]}

    rates = [
        {"productLineId": ids["l1"], "attachRate": 0.25},
        {"productLineId": ids["l2"], "attachRate": 1.0},
    ]
    with_rates = ok(
        await run(
            f"""mutation ($id: ID!, $c: [CompetencyInput!]!) {{ setPartnerCompetencies(id: $id,
            competencies: $c) {{ {PARTNER} }} }}""",
            id=pid,
            c=rates,
        )
    )["setPartnerCompetencies"]["partner"]
    got = {c["productLine"]["id"]: c["attachRate"] for c in with_rates["competencies"]}
    assert got == {ids["l1"]: 0.25, ids["l2"]: 1.0}

    # replacing is a replace, not a merge
    ok(
        await run(
            "mutation ($id: ID!) { setPartnerTerritories(id: $id, territoryIds: []) "
            "{ __typename } }",
            id=pid,
        )
    )
    gone = await seeded_pool.fetchval(
        "SELECT count(*) FROM partner_territories pt JOIN partners p ON p.id = pt.partner_id"
        " WHERE p.name = 'Northwind Print'"
    )
    assert gone == 0

    deactivated = ok(
        await run(f"mutation ($id: ID!) {{ deactivatePartner(id: $id) {{ {PARTNER} }} }}", id=pid)
    )["deactivatePartner"]["partner"]
    assert deactivated["active"] is False
    assert (
        await seeded_pool.fetchval("SELECT active FROM partners WHERE name = 'Northwind Print'")
        is False
    )


async def test_account_lifecycle_and_wallet_totals(run: Run, seeded_pool: asyncpg.Pool) -> None:
    ids = await ref_ids(seeded_pool)
    created = ok(
        await run(
            f"""mutation ($t: ID!) {{ createAccount(input: {{externalRef: "ACME-1",
            name: "Acme Corp", territoryId: $t, segment: ENTERPRISE, workload: 3}})
            {{ {ACCOUNT} }} }}""",
            t=ids["t1"],
        )
    )["createAccount"]
    account = created["account"]
    assert account["coverage"] == "NAMED" and account["totalWhitespaceCents"] == "0"
    assert account["incumbentPartner"] is None and account["territory"]["id"] == ids["t1"]
    aid = account["id"]

    big = 9_000_000_000_000  # 90 billion in cents: beyond GraphQL Int
    wallet = ok(
        await run(
            f"""mutation ($a: ID!, $l: ID!, $w: Cents!) {{ setAccountWallet(input: {{
            accountId: $a, productLineId: $l, walletCents: $w, spendCents: "1000"}})
            {{ {ACCOUNT} }} }}""",
            a=aid,
            l=ids["l1"],
            w=str(big),
        )
    )["setAccountWallet"]["account"]
    assert wallet["totalWhitespaceCents"] == str(big - 1000)
    assert wallet["wallets"] == [
        {
            "productLine": {"id": ids["l1"]},
            "walletCents": str(big),
            "spendCents": "1000",
            "whitespaceCents": str(big - 1000),
        }
    ]

    updated = ok(
        await run(
            f"""mutation ($a: ID!, $p: ID!, $t: ID!) {{ updateAccount(id: $a, input: {{
            name: "Acme Corporation", incumbentPartnerId: $p, territoryId: $t, workload: 5}})
            {{ {ACCOUNT} }} }}""",
            a=aid,
            p=ids["p1"],
            t=ids["t2"],
        )
    )["updateAccount"]["account"]
    assert updated["name"] == "Acme Corporation" and updated["workload"] == 5
    assert updated["incumbentPartner"] == {"id": ids["p1"]}
    assert updated["territory"] == {"id": ids["t2"]}

    cleared = ok(
        await run(
            f"""mutation ($a: ID!) {{ updateAccount(id: $a, input: {{incumbentPartnerId: null}})
            {{ {ACCOUNT} }} }}""",
            a=aid,
        )
    )["updateAccount"]["account"]
    assert cleared["incumbentPartner"] is None and cleared["name"] == "Acme Corporation"


async def test_specialist_lifecycle(run: Run, seeded_pool: asyncpg.Pool) -> None:
    ids = await ref_ids(seeded_pool)
    created = ok(
        await run(
            f"""mutation ($t: ID!, $l: ID!) {{ createSpecialist(input: {{name: "Ada Storage",
            territoryId: $t, productLineId: $l, capacity: 40, lift: 0.15,
            email: "ada@example.com"}}) {{ {SPECIALIST} }} }}""",
            t=ids["t1"],
            l=ids["l1"],
        )
    )["createSpecialist"]["specialist"]
    assert (created["capacity"], created["lift"], created["email"]) == (
        40,
        0.15,
        "ada@example.com",
    )
    updated = ok(
        await run(
            f"""mutation ($id: ID!, $l: ID!) {{ updateSpecialist(id: $id, input: {{lift: 0.2,
            productLineId: $l, email: null}}) {{ {SPECIALIST} }} }}""",
            id=created["id"],
            l=ids["l2"],
        )
    )["updateSpecialist"]["specialist"]
    assert (updated["lift"], updated["email"], updated["productLine"]["id"]) == (
        0.2,
        None,
        ids["l2"],
    )
    assert updated["name"] == "Ada Storage" and updated["capacity"] == 40


RELEASE = (
    "mutation ($ids: [ID!]!) { releaseAccounts(ids: $ids) { __typename"
    " ... on ReleaseAccountsSuccess { releasedCount accounts { id coverage } }" + ERRORS + "} }"
)


async def test_release_accounts_turns_named_into_unnamed(
    run: Run, seeded_pool: asyncpg.Pool
) -> None:
    named = [
        r["id"]
        for r in await seeded_pool.fetch(
            "SELECT id FROM accounts WHERE coverage = 'NAMED' ORDER BY id DESC LIMIT 5"
        )
    ]
    assert len(named) == 5
    gids = [encode_id("Account", i) for i in named]
    result = ok(await run(RELEASE, ids=gids))["releaseAccounts"]
    assert result["__typename"] == "ReleaseAccountsSuccess"
    assert result["releasedCount"] == 5
    assert result["accounts"] == [{"id": g, "coverage": "UNNAMED"} for g in gids]
    rows = await seeded_pool.fetch("SELECT coverage FROM accounts WHERE id = any($1)", named)
    assert {r["coverage"] for r in rows} == {"UNNAMED"}


async def test_release_accounts_is_all_or_nothing(run: Run, seeded_pool: asyncpg.Pool) -> None:
    named = [
        r["id"]
        for r in await seeded_pool.fetch(
            "SELECT id FROM accounts WHERE coverage = 'NAMED' ORDER BY id LIMIT 4"
        )
    ]
    unnamed = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    before = await seeded_pool.fetch("SELECT id, coverage, updated_at FROM accounts ORDER BY id")

    # one already released account among named ones: a conflict naming its position
    gids = [encode_id("Account", i) for i in named[:2]] + [encode_id("Account", unnamed)]
    conflict = ok(await run(RELEASE, ids=gids))["releaseAccounts"]
    assert conflict["__typename"] == "ConflictError" and conflict["field"] == "ids.2"

    # one unknown account: not found
    missing = [encode_id("Account", i) for i in named] + [encode_id("Account", 10**9)]
    not_found = ok(await run(RELEASE, ids=missing))["releaseAccounts"]
    assert not_found == {
        "__typename": "NotFoundError",
        "entity": "Account",
        "id": encode_id("Account", 10**9),
        "message": f"Account {10**9} does not exist",
    }

    # one malformed id: a validation error on its position
    bad = [encode_id("Account", named[0]), "not-an-id"]
    invalid = ok(await run(RELEASE, ids=bad))["releaseAccounts"]
    assert (invalid["__typename"], invalid["field"], invalid["rule"]) == (
        "ValidationError",
        "ids.1",
        "global_id",
    )

    after = await seeded_pool.fetch("SELECT id, coverage, updated_at FROM accounts ORDER BY id")
    assert after == before, "a failed bulk release writes nothing"
