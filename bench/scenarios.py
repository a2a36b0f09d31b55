"""Time a scenario solve end to end: solveScenario -> SOLVED, with load, solve and store phases.

    .venv/bin/python -m bench.scenarios [--accounts 50000] [--time-limit 20] [--server URL]
        [--cancel-at first,first+3,2,5]

Seeds a synthetic channel into a throw-away database (on `--server`, default TEST_DATABASE_URL,
else an embedded PostgreSQL), creates a scenario whose scope is every account (coverage ANY,
so the scope has exactly `--accounts` accounts), queues it and runs one worker in this process
(the solve itself in its child process, as in production). Prints the phases the worker
recorded, then times the bulk loader and the COPY store once more on their own. Record the
figures in bench/RESULTS.md under "Scenarios".

``--cancel-at first,first+3,2,5`` then solves the scenario again once per value and cancels it
at the first incumbent ("first"), S seconds after it ("first+S") or S seconds after it became
SOLVING ("S"), and prints each cancel's latency: from ``jobs.cancel`` returning (what
``cancelSolve`` calls) to the commit that makes the scenario SOLVED with the kept allocation
readable, split into notice (the cancel reaches the solve's child process), solver stop,
explain, transfer (rows to the worker), store (one transaction, which also sends the SOLVED
notification), and when a separate LISTEN connection got that notification. A cancel before
the solver reported any allocation ends CANCELLED.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
import uuid
from contextlib import ExitStack
from typing import Any

import asyncpg

from api.worker import Worker
from db.dsn import with_database
from db.migrate import migrate
from db.pool import create_pool
from db.scenarios import jobs, loader, progress, repository, store
from db.scenarios.models import (
    NewScenario,
    ScenarioParameters,
    ScenarioStatus,
    Scope,
    ScopeCoverage,
)
from db.seed import seed
from solver.synthetic import generate_channel


async def _wait_solved(pool: asyncpg.Pool, sid: int, timeout: float) -> ScenarioStatus:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = ScenarioStatus(
            await pool.fetchval("SELECT status FROM scenarios WHERE id=$1", sid)
        )
        if status in (ScenarioStatus.SOLVED, ScenarioStatus.FAILED, ScenarioStatus.CANCELLED):
            return status
        await asyncio.sleep(0.05)
    raise TimeoutError(f"scenario {sid} not solved in {timeout} s")


async def _bench(url: str, channel: Any, time_limit: float, cancel_at: list[str]) -> dict[str, Any]:
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        t = time.perf_counter()
        await seed(conn, channel)
        seeded_s = time.perf_counter() - t
    finally:
        await conn.close()
    pool = await create_pool(url, min_size=2, max_size=6)
    worker = Worker(pool)
    task = asyncio.create_task(worker.run())
    try:
        params = ScenarioParameters(
            scope=Scope(coverage=ScopeCoverage.ANY), time_limit_s=time_limit
        )
        s = await repository.create(pool, NewScenario("bench", "bench", parameters=params))
        started = time.perf_counter()
        await jobs.enqueue(pool, s.id)
        status = await _wait_solved(pool, s.id, timeout=time_limit * 4 + 120)
        wall = time.perf_counter() - started
        done = await repository.get(pool, s.id)
        stats = dict(done.solve_stats or {})

        # The two bulk phases again, on their own (same scenario, same database).
        t = time.perf_counter()
        loaded = await loader.load(pool, done)
        load_s = time.perf_counter() - t
        rows = await pool.fetch(
            "SELECT account_id, partner_id, specialist_ids, expected_revenue_cents, "
            "next_best_partner_id, regret_cents FROM scenario_assignments WHERE scenario_id=$1",
            s.id,
        )
        outcome = store.SolveOutcome(
            solver_status=done.solver_status or "FEASIBLE",
            objective=done.objective_cents,
            bound=done.bound_cents,
            gap=done.gap,
            runtime_s=done.runtime_s or 0.0,
            conflicts=[],
            assignments=[tuple(r) for r in rows],
            unassigned=[
                tuple(r)
                for r in await pool.fetch(
                    "SELECT account_id, reason, detail FROM scenario_unassigned "
                    "WHERE scenario_id=$1",
                    s.id,
                )
            ],
            partner_loads=[
                tuple(r)
                for r in await pool.fetch(
                    "SELECT partner_id, load, capacity, shadow_price FROM scenario_partner_loads "
                    "WHERE scenario_id=$1",
                    s.id,
                )
            ],
            specialist_loads=[
                tuple(r)
                for r in await pool.fetch(
                    "SELECT specialist_id, load, capacity, shadow_price "
                    "FROM scenario_specialist_loads WHERE scenario_id=$1",
                    s.id,
                )
            ],
        )
        await pool.execute(
            "UPDATE scenarios SET status = 'SOLVING' WHERE id = $1", s.id
        )  # store() moves SOLVING -> SOLVED
        async with pool.acquire() as c:
            t = time.perf_counter()
            await store.store(c, s.id, outcome)
            store_s = time.perf_counter() - t
        cancels = [await _cancel_latency(url, pool, worker, s.id, at) for at in cancel_at]
        return {
            "cancels": cancels,
            "status": status.value,
            "solver_status": done.solver_status,
            "objective": done.objective_cents,
            "bound": done.bound_cents,
            "gap": done.gap,
            "seed_s": seeded_s,
            "wall_s": wall,
            "stats": stats,
            "alone_load_s": load_s,
            "alone_store_s": store_s,
            "assignments": len(outcome.assignments),
            "unassigned": len(outcome.unassigned),
            "problem_accounts": len(loaded.problem["accounts"]),
        }
    finally:
        worker.stop()
        await asyncio.wait_for(task, 60)
        await pool.close()


async def _cancel_latency(
    url: str, pool: asyncpg.Pool, worker: Worker, sid: int, at: str
) -> dict[str, Any]:
    """Solve again and cancel: at the first incumbent (``at`` None) or ``at`` s into SOLVING.

    The latency runs from ``jobs.cancel`` returning (what the ``cancelSolve`` mutation calls;
    its transaction has committed the request and the NOTIFY) to the commit that made the
    scenario SOLVED with ``stoppedEarly`` and the kept allocation readable, split with the
    CLOCK_MONOTONIC stamps of the worker and its child: notice (cancel reaches the solver's
    process), solver stop, explain (rows ready), transfer (rows reach the worker), store (its
    transaction, which also carries the SOLVED notification); ``notified`` is when a separate
    LISTEN connection received that notification.
    """
    notified: list[float] = []

    def on_notify(conn: Any, pid: int, channel: str, payload: object) -> None:
        data = json.loads(str(payload))
        if data.get("scenario_id") == sid and data.get("status") in ("SOLVED", "CANCELLED"):
            notified.append(time.monotonic())

    listen = await asyncpg.connect(url)
    await listen.add_listener(progress.CHANNEL, on_notify)
    try:
        await jobs.enqueue(pool, sid)
        solving_at: float | None = None
        first_at: float | None = None
        after_first = at.startswith("first")
        delay = float(at.removeprefix("first").lstrip("+") or 0)
        while True:
            row = await pool.fetchrow("SELECT status, progress FROM scenarios WHERE id = $1", sid)
            assert row is not None
            if row["status"] == "SOLVING":
                solving_at = solving_at or time.monotonic()
                incumbent = (row["progress"] or {}).get("incumbent")
                if after_first and first_at is None and incumbent is not None:
                    first_at = time.monotonic()
                start = first_at if after_first else solving_at
                if start is not None and time.monotonic() - start >= delay:
                    break
            await asyncio.sleep(0.02)
        await jobs.cancel(pool, sid)
        t0 = time.monotonic()
        await _wait_solved(pool, sid, timeout=300)
        seen = time.monotonic()
        for _ in range(100):
            if notified:
                break
            await asyncio.sleep(0.01)
    finally:
        await listen.close()
    done = await repository.get(pool, sid)
    nan = float("nan")
    if done.status is not ScenarioStatus.SOLVED:  # cancelled before any allocation: nothing kept
        return {
            "at": at if after_first else f"{at} s",
            "into_solve_s": t0 - (solving_at or t0),
            "outcome": done.status.value,
            "stopped_early": False,
            # its commit sent the notification: the first sign of it (else the 20 ms poll)
            "total_s": (notified[0] - t0) if notified else seen - t0,
            **dict.fromkeys(
                ("notice_s", "solver_stop_s", "explain_s", "transfer_s", "store_s"), nan
            ),
            "notified_s": (notified[0] - t0) if notified else nan,
            "polled_s": seen - t0,
            "assignments": 0,
        }
    tl = worker.timelines.pop(sid)
    got = tl.get("cancel_received_at", float("nan"))
    return {
        "at": at if after_first else f"{at} s",
        "into_solve_s": t0 - (solving_at or t0),
        "outcome": done.status.value,
        "stopped_early": done.stopped_early,
        "total_s": tl["committed_at"] - t0,
        "notice_s": got - t0,
        "solver_stop_s": tl["solver_returned_at"] - got,
        "explain_s": tl["rows_ready_at"] - tl["solver_returned_at"],
        "transfer_s": tl["received_at"] - tl["rows_ready_at"],
        "store_s": tl["committed_at"] - tl["received_at"],
        "notified_s": (notified[0] - t0) if notified else nan,
        "polled_s": seen - t0,
        "assignments": await pool.fetchval(
            "SELECT count(*) FROM scenario_assignments WHERE scenario_id = $1", sid
        ),
    }


async def _run(server: str, channel: Any, time_limit: float, cancel: list[str]) -> dict[str, Any]:
    name = f"allot_bench_scen_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        return await _bench(with_database(server, name), channel, time_limit, cancel)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    """Parse arguments, run once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--partners", type=int, default=2_500)
    parser.add_argument("--territories", type=int, default=40)
    parser.add_argument("--specialists", type=int, default=700)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument(
        "--cancel", action="store_true", help="also time a cancel at the first incumbent"
    )
    parser.add_argument(
        "--cancel-at",
        default="",
        help="comma-separated moments to cancel at: seconds into SOLVING, 'first' (the first "
        "incumbent) or 'first+S' (S seconds after it)",
    )
    args = parser.parse_args()
    cancel_at = ["first"] if args.cancel else []
    cancel_at += [x.strip() for x in args.cancel_at.split(",") if x.strip()]
    channel = generate_channel(
        seed=0,
        accounts=args.accounts,
        partners=args.partners,
        territories=args.territories,
        specialists=args.specialists,
    )
    with ExitStack() as stack:
        server = args.server
        if not server:
            from tests.pgtools import postgres_server

            server = stack.enter_context(postgres_server(tune=False))
        r = asyncio.run(_run(server, channel, args.time_limit, cancel_at))
    st = r["stats"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; "
        f"server: {args.server or 'embedded'}"
    )
    print(
        f"scope {st.get('accounts')} accounts ({st.get('wallets')} wallets), "
        f"{st.get('partners')} partners, {st.get('specialists')} specialists; "
        f"time limit {args.time_limit:g} s"
    )
    print(
        f"solveScenario -> {r['status']} ({r['solver_status']}) in {r['wall_s']:.1f} s wall; "
        f"objective {r['objective']}, bound {r['bound']}, gap {r['gap']}"
    )
    print(
        "worker phases: load {:.2f} s (queries {:.2f}, build dict {:.2f}); solve {:.2f} s "
        "(child: ProblemData {:.2f}, solver {:.2f}, explain {:.2f}); store {:.2f} s".format(
            st.get("load_s", 0),
            st.get("load_query_s", 0),
            st.get("load_build_s", 0),
            st.get("solve_s", 0),
            st.get("build_s", 0),
            st.get("solver_s", 0),
            st.get("explain_s", 0),
            st.get("store_s", 0),
        )
    )
    print(
        f"on their own: load {r['alone_load_s']:.2f} s, store {r['alone_store_s']:.2f} s "
        f"({r['assignments']} assignments, {r['unassigned']} unassigned); "
        f"load + store = {r['alone_load_s'] + r['alone_store_s']:.2f} s (target <= 10 s)"
    )

    if r["cancels"]:
        print("cancel (jobs.cancel returned) -> SOLVED committed, stoppedEarly kept; phases in s:")
        print(
            f"{'cancel at':>15} {'into':>6} {'total':>6} {'notice':>6} {'solver':>6} "
            f"{'explain':>7} {'xfer':>5} {'store':>5} {'notify':>6} {'assigned':>8} outcome"
        )
        for c in r["cancels"]:
            print(
                f"{c['at']:>15} {c['into_solve_s']:6.2f} {c['total_s']:6.2f} "
                f"{c['notice_s']:6.3f} {c['solver_stop_s']:6.2f} {c['explain_s']:7.2f} "
                f"{c['transfer_s']:5.2f} {c['store_s']:5.2f} {c['notified_s']:6.2f} "
                f"{c['assignments']:>8} {c['outcome']}"
                + (" stoppedEarly" if c["stopped_early"] else "")
            )


if __name__ == "__main__":
    main()
