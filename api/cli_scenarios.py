"""`allot worker` and `allot scenario solve ID`: solve workers and solving from a terminal.

`allot worker` takes solve jobs from the database's queue until Ctrl-C/SIGTERM (run any number,
on any machine pointed at the same database). `allot scenario solve ID` queues a solve and
shows its progress (incumbent, bound, gap, elapsed) as a bar on stderr until it ends; with
`--local` it also runs a worker in this process, for a machine where nothing else runs one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import signal
import sys
from datetime import timedelta
from typing import Any

import asyncpg

from db.errors import DomainError
from db.scenarios import jobs
from db.scenarios.progress import Listener
from db.scenarios.watch import watch

BAR_WIDTH = 30
UNCLAIMED_HINT_S = 10.0


def _scenario_id(text: str) -> int:
    """argparse type: a database id (digits) or a Scenario global ID."""
    if text.isdigit():
        return int(text)
    from schema.common.ids import decode_id

    try:
        return decode_id(text, "Scenario")
    except DomainError as exc:
        raise argparse.ArgumentTypeError(f"not a scenario id: {text!r}") from exc


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _url(args: argparse.Namespace) -> Any:
    """The database context of api/serve.py (DATABASE_URL or the embedded server)."""
    from api import cli, serve

    return serve.database(cli._settings(args))


async def _run_worker(url: str, heartbeat: float, dequeue: float) -> int:
    from api.worker import Worker
    from db.migrate import migrate
    from db.pool import create_pool

    await migrate(url)
    pool = await create_pool(url, min_size=1, max_size=4, application_name="allot-worker")
    worker = Worker(
        pool,
        heartbeat_timeout=timedelta(seconds=heartbeat),
        dequeue_timeout=timedelta(seconds=dequeue),
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    print(f"allot worker {worker.name} waiting for solve jobs", file=sys.stderr, flush=True)
    try:
        await worker.run()
    finally:
        await pool.close()
    print(f"allot worker stopped after {worker.solved} solves", file=sys.stderr, flush=True)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a solve worker until interrupted."""
    with _url(args) as url:
        return asyncio.run(_run_worker(url, args.heartbeat_timeout, args.dequeue_timeout))


def _bar(event: dict[str, Any]) -> str:
    """One status line: status, a bar of incumbent/bound, the numbers."""
    inc, bound, gap = event.get("incumbent"), event.get("bound"), event.get("gap")
    filled = 0
    if isinstance(inc, int | float) and isinstance(bound, int | float) and bound > 0:
        filled = max(0, min(BAR_WIDTH, round(BAR_WIDTH * inc / bound)))
    parts = [f"{event['status']:<9}", "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"]
    if isinstance(inc, int | float):
        parts.append(f"incumbent {inc / 100:,.2f}")
    if isinstance(bound, int | float):
        parts.append(f"bound {bound / 100:,.2f}")
    if isinstance(gap, int | float):
        parts.append(f"gap {100 * gap:.3f}%")
    elapsed = event.get("elapsed_s")
    if isinstance(elapsed, int | float):
        parts.append(f"{elapsed:.1f} s")
    return " ".join(parts)


async def _hint_if_unclaimed(last: dict[str, str]) -> None:
    """Say once why nothing happens when no worker takes the job."""
    await asyncio.sleep(UNCLAIMED_HINT_S)
    if last["status"] == "QUEUED":
        print(
            f"\nstill QUEUED after {UNCLAIMED_HINT_S:g} s: is a worker running? (`allot serve` "
            "runs one, or start `allot worker`, or pass --local)",
            file=sys.stderr,
            flush=True,
        )


async def _solve(url: str, scenario_id: int, local: bool) -> int:
    from api.worker import Worker
    from db.pool import create_pool
    from db.scenarios import repository

    pool = await create_pool(url, min_size=1, max_size=4, application_name="allot-cli")
    listener = Listener(url)
    worker_task: asyncio.Task[None] | None = None
    worker = Worker(pool) if local else None
    try:
        await listener.start()
        if worker is not None:
            worker_task = asyncio.create_task(worker.run())
        await jobs.enqueue(pool, scenario_id)
        tty = sys.stderr.isatty()
        last = {"status": "QUEUED"}
        hint = asyncio.create_task(_hint_if_unclaimed(last))
        async for event in watch(pool, listener, scenario_id):
            last["status"] = event["status"]
            line = _bar(event)
            print(
                ("\r" + line + "\x1b[K") if tty else line,
                end="" if tty else "\n",
                file=sys.stderr,
                flush=True,
            )
        hint.cancel()
        if tty:
            print(file=sys.stderr)
        final = await repository.get(pool, scenario_id)
        print(
            f"scenario {final.id}: {final.status.value} solver={final.solver_status} "
            f"objective={final.objective_cents} bound={final.bound_cents} gap={final.gap} "
            f"runtime={final.runtime_s} stopped_early={final.stopped_early}"
            + (f" reason={final.failure_reason}" if final.failure_reason else "")
        )
        return 0 if final.status.value == "SOLVED" else 1
    finally:
        if worker is not None and worker_task is not None:
            worker.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker_task, 10)
        await listener.stop()
        await pool.close()


def cmd_scenario_solve(args: argparse.Namespace) -> int:
    """Queue a solve of scenario ID and show its progress until it ends."""
    with _url(args) as url:
        try:
            return asyncio.run(_solve(url, args.id, args.local))
        except DomainError as exc:
            print(f"allot scenario solve: error: {exc.message}", file=sys.stderr)
            return 1
        except asyncpg.PostgresError as exc:
            print(f"allot scenario solve: error: {exc}", file=sys.stderr)
            return 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `worker` and the `scenario` group (`scenario solve`) to the allot parser."""
    p = sub.add_parser("worker", help="run a solve worker (take jobs from the database queue)")
    p.add_argument(
        "--heartbeat-timeout",
        type=_seconds,
        default=5.0,
        help="a job whose worker is silent this long is re-run elsewhere (default 5 s)",
    )
    p.add_argument(
        "--dequeue-timeout",
        type=_seconds,
        default=2.0,
        help="look for jobs at least this often without a notification (default 2 s)",
    )
    p.set_defaults(func=cmd_worker)

    group = sub.add_parser("scenario", help="scenario commands")
    scenario_sub = group.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    p = scenario_sub.add_parser("solve", help="queue a solve and show its progress")
    p.add_argument("id", type=_scenario_id, help="scenario id (number or global ID)")
    p.add_argument("--local", action="store_true", help="also run a worker in this process")
    p.set_defaults(func=cmd_scenario_solve)
    # `scenario export` and friends belong to the results feature, which adds them here.
    try:
        results = importlib.import_module("api.cli_results")
    except ImportError:
        return
    results.register_scenario_commands(scenario_sub)
