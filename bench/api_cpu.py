"""CPU time per request of the API benchmark's two pages, in process (no sockets, no uvicorn).

    .venv/bin/python -m bench.api_cpu [--repeat 60] [--profile accounts|partners]

Less noisy than bench/api.py on a shared machine: it sends the same requests as bench/api.py
straight into bench/api_server.py's ASGI app (a hand-made HTTP scope, the body in one message,
the response collected) one at a time, and reports ``time.process_time`` per request, best and
median, for the GraphQL endpoint and the raw asyncpg endpoint. Database waits are not CPU, so
this is the cost of each layer in this process. Needs the database bench/api.py loads
(``allot_bench_api`` on ``BENCH_DATABASE_URL`` / ``TEST_DATABASE_URL``).

``--profile`` runs cProfile over the GraphQL requests of one page and prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import time
from typing import Any

from bench.api import ACCOUNTS_QUERY, CASES, DATABASE, PARTNERS_QUERY
from bench.common import table

Message = dict[str, Any]


async def call(app: Any, method: str, path: str, body: bytes = b"") -> bytes:
    """Send one HTTP request into the ASGI ``app``; the response body (status must be 200)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "app": app,
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # no disconnect while the request is served
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return b"".join(chunks)


async def lifespan(app: Any) -> tuple[asyncio.Queue[Message], asyncio.Task[None]]:
    """Start the app's lifespan (the pool and the GraphQL app); the queue stops it."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    started = asyncio.Event()
    await inbox.put({"type": "lifespan.startup"})

    async def send(message: Message) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, send)
    )
    await started.wait()
    return inbox, task


async def measure(repeat: int, profile: str | None) -> list[list[str]]:
    """CPU ms per request, best and median of ``repeat``, for each page and endpoint."""
    from bench.api_server import make_app

    app = make_app()
    inbox, task = await lifespan(app)
    rows: list[list[str]] = []
    try:
        for label, query, path in CASES:
            requests = {
                "graphql": ("POST", "/graphql", json.dumps({"query": query}).encode()),
                "raw": ("GET", path, b""),
            }
            for method, where, body in requests.values():  # warm-up: caches, pool, JIT-free
                for _ in range(5):
                    await call(app, method, where, body)
            times: dict[str, list[float]] = {"graphql": [], "raw": []}
            for _ in range(repeat):  # alternate, so drift in load hits both
                for name, (method, where, body) in requests.items():
                    started = time.process_time()
                    await call(app, method, where, body)
                    times[name].append((time.process_time() - started) * 1000)
            best = {name: min(t) for name, t in times.items()}
            median = {name: statistics.median(t) for name, t in times.items()}
            for name in ("graphql", "raw"):
                rows.append(
                    [
                        label if name == "graphql" else "",
                        name,
                        f"{best[name]:.2f}",
                        f"{median[name]:.2f}",
                        f"{median['graphql'] / median['raw']:.1f}x" if name == "graphql" else "",
                    ]
                )
        if profile is not None:
            query = ACCOUNTS_QUERY if profile == "accounts" else PARTNERS_QUERY
            body = json.dumps({"query": query}).encode()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(repeat):
                await call(app, "POST", "/graphql", body)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await task
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure and print a Markdown table (CPU ms per request)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="requests per endpoint and page")
    parser.add_argument("--profile", choices=["accounts", "partners"], default=None)
    args = parser.parse_args(argv)
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        raise SystemExit("set BENCH_DATABASE_URL (bench/api.py loads the data set there)")
    os.environ["ALLOT_BENCH_DSN"] = server.rsplit("/", 1)[0] + "/" + DATABASE
    rows = asyncio.run(measure(args.repeat, args.profile))
    load = os.getloadavg()[0]
    print(f"\nCPU per request (process_time), {args.repeat} each, load average {load:.2f}\n")
    print(table(rows, ["page", "endpoint", "best ms", "median ms", "median ratio"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
