"""Seeding: the synthetic channel lands intact, once, all-or-nothing."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from db.seed import CHANNEL_TABLES, SeedCounts, SeedError, channel_row_counts, seed
from solver.synthetic import SyntheticChannel, generate_channel


def _expected_counts(channel: SyntheticChannel) -> dict[str, int]:
    return {
        "product_lines": len(channel.product_lines),
        "territories": len(channel.territories),
        "partners": len(channel.partners),
        "partner_territories": sum(len(p.territories) for p in channel.partners),
        "partner_competencies": sum(len(p.attach_rates) for p in channel.partners),
        "specialists": len(channel.specialists),
        "accounts": len(channel.accounts),
        "account_wallets": sum(len(a.wallets) for a in channel.accounts),
    }


async def test_seeded_database_holds_the_whole_channel(
    seeded_pool: asyncpg.Pool, seeded_channel: SyntheticChannel
) -> None:
    async with seeded_pool.acquire() as conn:
        assert await channel_row_counts(conn) == _expected_counts(seeded_channel)


async def test_seed_returns_counts_per_table(pool: asyncpg.Pool) -> None:
    channel = generate_channel(seed=3, accounts=40, partners=5, territories=3, specialists=4)
    counts = await seed(pool, channel)
    assert counts.as_dict() == _expected_counts(channel)
    assert list(counts.as_dict()) == list(CHANNEL_TABLES)


async def test_references_are_mapped_to_the_right_rows(
    seeded_pool: asyncpg.Pool, seeded_channel: SyntheticChannel
) -> None:
    partner_name = {p.key: p.name for p in seeded_channel.partners}
    async with seeded_pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT a.external_ref, t.code AS territory, p.name AS incumbent
                 FROM accounts a JOIN territories t ON t.id = a.territory_id
                 LEFT JOIN partners p ON p.id = a.incumbent_partner_id"""
        )
        served = await conn.fetch(
            """SELECT p.name, t.code FROM partner_territories pt
                 JOIN partners p ON p.id = pt.partner_id
                 JOIN territories t ON t.id = pt.territory_id"""
        )
        rates = await conn.fetch(
            """SELECT p.name, l.code, c.attach_rate FROM partner_competencies c
                 JOIN partners p ON p.id = c.partner_id
                 JOIN product_lines l ON l.id = c.product_line_id"""
        )
    got = {r["external_ref"]: (r["territory"], r["incumbent"]) for r in rows}
    assert got == {
        a.external_ref: (a.territory, None if a.incumbent is None else partner_name[a.incumbent])
        for a in seeded_channel.accounts
    }
    assert any(incumbent is not None for _, incumbent in got.values())
    assert {(r["name"], r["code"]) for r in served} == {
        (p.name, t) for p in seeded_channel.partners for t in p.territories
    }
    assert {(r["name"], r["code"]): float(r["attach_rate"]) for r in rates} == {
        (p.name, line): rate
        for p in seeded_channel.partners
        for line, rate in p.attach_rates.items()
    }


async def test_total_whitespace_matches_wallets_and_trigger_is_back_on(
    seeded_pool: asyncpg.Pool, seeded_channel: SyntheticChannel
) -> None:
    async with seeded_pool.acquire() as conn:
        mismatches = await conn.fetchval(
            """SELECT count(*) FROM accounts a
                WHERE a.total_whitespace <> coalesce((SELECT sum(whitespace_cents)
                      FROM account_wallets w WHERE w.account_id = a.id), 0)"""
        )
        assert mismatches == 0
        total = await conn.fetchval("SELECT sum(total_whitespace) FROM accounts")
        assert total == sum(sum(a.whitespace.values()) for a in seeded_channel.accounts)
        # The seed disables the wallet insert trigger while it copies: it must be enabled again.
        account_id = await conn.fetchval("SELECT id FROM accounts ORDER BY id LIMIT 1")
        await conn.execute("DELETE FROM account_wallets WHERE account_id = $1", account_id)
        line_id = await conn.fetchval("SELECT id FROM product_lines ORDER BY id LIMIT 1")
        await conn.execute(
            "INSERT INTO account_wallets (account_id, product_line_id, wallet_cents, spend_cents)"
            " VALUES ($1, $2, 1000, 250)",
            account_id,
            line_id,
        )
        assert (
            await conn.fetchval("SELECT total_whitespace FROM accounts WHERE id = $1", account_id)
            == 750
        )


async def test_seeding_a_seeded_database_is_refused(
    seeded_pool: asyncpg.Pool, seeded_channel: SyntheticChannel
) -> None:
    other = generate_channel(seed=9, accounts=10, partners=2, territories=1, specialists=1)
    with pytest.raises(SeedError, match=r"already holds channel data \(8 product_lines, .*--reset"):
        await seed(seeded_pool, other)
    async with seeded_pool.acquire() as conn:
        assert await channel_row_counts(conn) == _expected_counts(seeded_channel)


async def test_reset_replaces_the_data(seeded_pool: asyncpg.Pool) -> None:
    other = generate_channel(seed=9, accounts=10, partners=2, territories=1, specialists=1)
    await seed(seeded_pool, other, reset=True)
    async with seeded_pool.acquire() as conn:
        assert await channel_row_counts(conn) == _expected_counts(other)
        refs = await conn.fetch("SELECT external_ref FROM accounts ORDER BY id")
        assert await conn.fetchval("SELECT min(id) FROM accounts") == 1  # identities restarted
    assert [r["external_ref"] for r in refs] == [a.external_ref for a in other.accounts]


async def test_failing_seed_writes_nothing(pool: asyncpg.Pool) -> None:
    channel = generate_channel(seed=3, accounts=40, partners=5, territories=3, specialists=4)
    # A bad wallet (negative spend) fails the last COPY: everything before it must roll back.
    bad = dataclasses.replace(channel.accounts[-1], wallets={"PCS": (100, -1)})
    broken = dataclasses.replace(channel, accounts=(*channel.accounts[:-1], bad))
    with pytest.raises(asyncpg.CheckViolationError):
        await seed(pool, broken)
    async with pool.acquire() as conn:
        assert set((await channel_row_counts(conn)).values()) == {0}
        enabled = await conn.fetchval(
            "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'account_wallets_total_ins'"
        )
    assert enabled == "O"  # enabled ("origin")
    assert (await seed(pool, channel)).accounts == len(channel.accounts)


async def test_concurrent_seeds_load_once_and_the_other_is_refused(database_url: str) -> None:
    channel = generate_channel(seed=3, accounts=40, partners=5, territories=3, specialists=4)
    pools = [await asyncpg.create_pool(database_url, min_size=1, max_size=1) for _ in range(2)]
    try:
        results = await asyncio.gather(*(seed(p, channel) for p in pools), return_exceptions=True)
        async with pools[0].acquire() as conn:
            counts = await channel_row_counts(conn)
    finally:
        for p in pools:
            await p.close()
    loaded = [r for r in results if isinstance(r, SeedCounts)]
    refused = [r for r in results if isinstance(r, SeedError)]
    assert (len(loaded), len(refused)) == (1, 1), results
    assert counts == _expected_counts(channel)
