"""Time `allot seed` at benchmark size: generate a channel, then COPY it into a fresh database.

    .venv/bin/python -m bench.seed [--accounts 100000] [--server postgresql://...] [--repeat 3]

`--server` (default TEST_DATABASE_URL) is a server URL: a throw-away database is created on it
and dropped afterwards. Without one, an embedded PostgreSQL in a temporary folder is used
(the path a fresh machine takes). Prints generation and load times; record them in
bench/RESULTS.md under "Seed".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from contextlib import ExitStack

import asyncpg

from db.dsn import with_database
from db.migrate import migrate
from db.seed import seed
from solver.synthetic import SyntheticChannel, generate_channel


async def _load_once(server: str, channel: SyntheticChannel) -> float:
    """Create a database, migrate it, seed `channel`, drop it; return the seed time."""
    name = f"allot_bench_seed_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(server, name)
        await migrate(url)
        conn = await asyncpg.connect(url)
        try:
            started = time.perf_counter()
            await seed(conn, channel)
            elapsed = time.perf_counter() - started
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return elapsed


def main() -> None:
    """Parse arguments, pick the server, run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=2_500)
    parser.add_argument("--territories", type=int, default=40)
    parser.add_argument("--specialists", type=int, default=600)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    channel = generate_channel(
        seed=0,
        accounts=args.accounts,
        partners=args.partners,
        territories=args.territories,
        specialists=args.specialists,
    )
    generated = time.perf_counter() - started
    wallets = sum(len(a.wallets) for a in channel.accounts)
    with ExitStack() as stack:
        server = args.server
        if not server:
            from tests.pgtools import postgres_server

            server = stack.enter_context(postgres_server(tune=False))
        kind = "embedded PostgreSQL 18" if not args.server else "server " + args.server
        times = [asyncio.run(_load_once(server, channel)) for _ in range(args.repeat)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; database: {kind}")
    print(
        f"channel: {args.accounts} accounts, {wallets} wallets, {args.partners} partners, "
        f"{args.territories} territories, {args.specialists} specialists"
    )
    print(f"generate: {generated:.1f} s")
    print("seed (COPY, one transaction): " + ", ".join(f"{t:.1f} s" for t in times))


if __name__ == "__main__":
    main()
