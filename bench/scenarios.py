"""Time a scenario solve end to end: solveScenario -> SOLVED, with load, solve and store phases.

    .venv/bin/python -m bench.scenarios [--accounts 50000] [--time-limit 20] [--server URL]

Seeds a synthetic channel into a throw-away database (on `--server`, default TEST_DATABASE_URL,
else an embedded PostgreSQL), creates a scenario whose scope is every account (coverage ANY,
so the scope has exactly `--accounts` accounts), queues it and runs one worker in this process
(the solve itself in its child process, as in production). Prints the phases the worker
recorded, then times the bulk loader and the COPY store once more on their own. Record the
figures in bench/RESULTS.md under "Scenarios".
"""

from __future__ import annotations

import argparse
import asyncio
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
from db.scenarios import jobs, loader, repository, store
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
        if status in (ScenarioStatus.SOLVED, ScenarioStatus.FAILED):
            return status
        await asyncio.sleep(0.05)
    raise TimeoutError(f"scenario {sid} not solved in {timeout} s")


async def _bench(url: str, channel: Any, time_limit: float, cancel_after: bool) -> dict[str, Any]:
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
        cancel = await _cancel_latency(pool, s.id) if cancel_after else {}
        return {
            **cancel,
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


async def _cancel_latency(pool: asyncpg.Pool, sid: int) -> dict[str, Any]:
    """Solve again, cancel at the first incumbent; time until SOLVED (stopped early)."""
    await jobs.enqueue(pool, sid)
    while True:
        row = await pool.fetchrow("SELECT status, progress FROM scenarios WHERE id = $1", sid)
        assert row is not None
        if row["status"] == "SOLVING" and (row["progress"] or {}).get("incumbent") is not None:
            break
        await asyncio.sleep(0.05)
    t = time.perf_counter()
    await jobs.cancel(pool, sid)
    await _wait_solved(pool, sid, timeout=300)
    done = await repository.get(pool, sid)
    stats = done.solve_stats or {}
    return {
        "cancel_to_solved_s": time.perf_counter() - t,
        "cancel_stopped_early": done.stopped_early,
        "cancel_explain_s": stats.get("explain_s"),
        "cancel_solver_return_s": stats.get("cancel_to_return_s"),
        "cancel_store_s": stats.get("store_s"),
    }


async def _run(server: str, channel: Any, time_limit: float, cancel: bool) -> dict[str, Any]:
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
    args = parser.parse_args()
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
        r = asyncio.run(_run(server, channel, args.time_limit, args.cancel))
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

    if "cancel_to_solved_s" in r:
        print(
            f"cancel at the first incumbent -> SOLVED (stopped early: "
            f"{r['cancel_stopped_early']}) in {r['cancel_to_solved_s']:.2f} s (the solver returned "
            f"{r['cancel_solver_return_s']} s after the cancel reached its process), of which "
            "explain "
            f"{r['cancel_explain_s']} s and store {r['cancel_store_s']} s"
        )


if __name__ == "__main__":
    main()
