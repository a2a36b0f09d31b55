"""API benchmark: GraphQL against a minimal raw asyncpg JSON endpoint, same data, same run.

    .venv/bin/python -m bench.api [--requests 400] [--concurrency 8]

Loads the 100,000-account synthetic channel (db.seed + solver.synthetic) into the database
``allot_bench_api`` on ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` (a server URL), else on an
embedded PostgreSQL kept in ``.bench/pg`` (reused when already loaded). Then it starts
bench/api_server.py under uvicorn in a subprocess and drives both endpoints over HTTP with
httpx (``--concurrency`` requests in flight), for two pages:

- 50 accounts by total whitespace, with territory, incumbent partner and wallets;
- 50 partners by name, with territories and competencies.

It prints p50/p95 latency, requests per second and the GraphQL/raw ratio at p50 (target <= 3x).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx

from bench.common import REPO, table

DATABASE = "allot_bench_api"
# The benchmark channel of bench/seed.py (issue 2's 100,000-account data set).
CHANNEL = {"seed": 0, "accounts": 100_000, "partners": 2_500, "territories": 40, "specialists": 600}

ACCOUNTS_QUERY = """{ accounts(first: 50) {
  pageInfo { hasNextPage endCursor }
  edges { node { id name totalWhitespaceCents
    territory { id code name }
    incumbentPartner { id name tier }
    wallets { productLine { code } walletCents spendCents whitespaceCents } } } } }"""
PARTNERS_QUERY = """{ partners(first: 50) {
  pageInfo { hasNextPage endCursor }
  edges { node { id name track tier capacity
    territories { id code name }
    competencies { attachRate productLine { code } } } } } }"""

CASES = [
    ("50 accounts + territory, incumbent, wallets", ACCOUNTS_QUERY, "/raw/accounts"),
    ("50 partners + territories, competencies", PARTNERS_QUERY, "/raw/partners"),
]


async def load_channel(url: str) -> None:
    """Migrate and seed the 100k channel unless the database already holds it."""
    from db.migrate import migrate
    from db.seed import channel_row_counts, seed
    from solver.synthetic import generate_channel

    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        counts = await channel_row_counts(conn)
        sizes = ("accounts", "partners", "territories", "specialists")
        if all(counts.get(name) == CHANNEL[name] for name in sizes):
            print(f"reusing loaded channel: {counts}", flush=True)
            return
        started = time.perf_counter()
        channel = generate_channel(**CHANNEL)
        done = await seed(conn, channel, reset=True)
        print(f"seeded {done.as_dict()} in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        await conn.close()


@contextlib.contextmanager
def database() -> Iterator[str]:
    """URL of the benchmark database (on the configured server or an embedded one)."""
    from api.embedded import EmbeddedPostgres, ensure_database

    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if server:
        yield asyncio.run(ensure_database(server, DATABASE))
        return
    embedded = EmbeddedPostgres(REPO / ".bench" / "pg")
    url = embedded.start()
    try:
        yield asyncio.run(ensure_database(url, DATABASE))
    finally:
        embedded.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for the server subprocess)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def server(dsn: str) -> Iterator[str]:
    """Run bench/api_server.py under uvicorn (one worker); yield its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.api_server:make_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--no-access-log"]
    env = os.environ | {"ALLOT_BENCH_DSN": dsn}
    process = subprocess.Popen(command, cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/ready", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("benchmark server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def drive(
    call: Callable[[], Awaitable[Any]], requests: int, concurrency: int
) -> tuple[list[float], float]:
    """Run ``requests`` calls with ``concurrency`` in flight; latencies (ms) and wall time (s)."""
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def check_same(graphql: dict[str, Any], raw: dict[str, Any], field: str) -> None:
    """Both endpoints return the same rows (by name, in order): the comparison is fair."""
    names = [e["node"]["name"] for e in graphql["data"][field]["edges"]]
    assert names == [item["name"] for item in raw[field]], "GraphQL and raw pages differ"
    assert len(names) == 50


async def measure(base: str, requests: int, concurrency: int) -> list[list[str]]:
    """Warm up, then alternate GraphQL and raw rounds for each case; one table row per case."""
    rows: list[list[str]] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def graphql(query: str) -> dict[str, Any]:
            response = await client.post("/graphql", json={"query": query})
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body["errors"]
            return body

        async def raw(path: str) -> dict[str, Any]:
            response = await client.get(path)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

        for label, query, path in CASES:
            field = "accounts" if "accounts" in path else "partners"
            check_same(await graphql(query), await raw(path), field)
            results: dict[str, tuple[list[float], float]] = {"graphql": ([], 0.0), "raw": ([], 0.0)}
            calls: dict[str, Callable[[], Awaitable[Any]]] = {
                "graphql": lambda q=query: graphql(q),  # type: ignore[misc]
                "raw": lambda p=path: raw(p),  # type: ignore[misc]
            }
            for name in ("graphql", "raw"):  # warm-up
                await drive(calls[name], 2 * concurrency, concurrency)
            for _ in range(2):  # two alternating rounds each, to share any drift in load
                for name in ("graphql", "raw"):
                    lat, wall = await drive(calls[name], requests // 2, concurrency)
                    old_lat, old_wall = results[name]
                    results[name] = (old_lat + lat, old_wall + wall)
            stats = {}
            for name, (lat, wall) in results.items():
                p50 = statistics.median(lat)
                p95 = statistics.quantiles(lat, n=20)[18]
                stats[name] = (p50, p95, len(lat) / wall)
            ratio = stats["graphql"][0] / stats["raw"][0]
            for name in ("graphql", "raw"):
                p50, p95, rps = stats[name]
                rows.append(
                    [
                        label if name == "graphql" else "",
                        name,
                        f"{p50:.1f}",
                        f"{p95:.1f}",
                        f"{rps:.0f}",
                        f"{ratio:.2f}x" if name == "graphql" else "",
                    ]
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Load (or reuse) the data set, start the server, measure, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="measured requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = parser.parse_args(argv)
    with database() as url:
        asyncio.run(load_channel(url))
        with server(url) as base:
            rows = asyncio.run(measure(base, args.requests, args.concurrency))
    print(
        f"\n{args.requests} requests per endpoint, {args.concurrency} in flight, one uvicorn "
        f"worker, load average {os.getloadavg()[0]:.2f} after the run\n"
    )
    header = ["page", "endpoint", "p50 ms", "p95 ms", "req/s", "GraphQL/raw p50"]
    print(table(rows, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
