"""The solve worker: takes solve jobs from the pgqueuer queue and runs each in a child process.

Run it in the API process (``start_in_process``, on by default: ALLOT_INPROCESS_WORKER=0 turns
it off) or as ``allot worker`` on any machine pointed at the same database. A job whose worker
died (its heartbeat stops) is picked up again by another worker after ``heartbeat_timeout``;
the scenario then goes SOLVING -> QUEUED -> SOLVING and the solve starts over, at most
``MAX_RUNS`` times (pgqueuer does not count such re-runs, so a job that kills its worker would
loop forever). A worker that shuts down kills its solves and re-queues their scenarios.

Every worker also carries the offer-expiry schedule (``OFFER_EXPIRY_CRON``): pgqueuer's
scheduler runs it on one worker at a time, so offers past ``ALLOT_OFFER_TTL_DAYS`` expire and
queue their repair even when no partner reads them.

At start a worker has a separate Python process compile the solver's numba kernels into
numba's disk cache (``solve_process.warm_solver_cache``, from a background thread), so that the
first solve that runs them after an install does not spend 10-22 s of its time limit compiling
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
from pgqueuer import Job, PgQueuer
from pgqueuer.models import Schedule

from api.solve_process import (
    SolveAborted,
    SolveCancelled,
    SolveFailed,
    run_in_child,
    warm_solver_cache,
)
from db import offers
from db.errors import DomainError
from db.scenarios import jobs, loader, progress, repository, store
from db.scenarios.models import Scenario, ScenarioStatus

log = logging.getLogger(__name__)

S = ScenarioStatus
MAX_RUNS = 3
OFFER_EXPIRY_CRON = "*/10 * * * *"
TIMELINES_KEPT = 100
SOLVER_WORKERS = int(os.environ.get("ALLOT_SOLVER_WORKERS", "2"))


def in_process_enabled() -> bool:
    """Whether ``allot serve`` runs a worker in its own process (ALLOT_INPROCESS_WORKER)."""
    return os.environ.get("ALLOT_INPROCESS_WORKER", "1").strip().lower() not in ("0", "false", "no")


@dataclass
class Worker:
    """One queue consumer over a pool; ``run`` until ``stop``."""

    pool: asyncpg.Pool
    heartbeat_timeout: timedelta = timedelta(seconds=5)
    dequeue_timeout: timedelta = timedelta(seconds=2)
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    stopping: bool = False
    solved: int = 0
    timelines: dict[int, dict[str, float]] = field(default_factory=dict)
    """Per scenario, CLOCK_MONOTONIC stamps of its last solve's end (the benchmark reads them;
    the last ``TIMELINES_KEPT`` scenarios only)."""
    pgq: PgQueuer = field(init=False)

    def __post_init__(self) -> None:
        self.pgq = PgQueuer.from_asyncpg_pool(self.pool)

        @self.pgq.entrypoint(jobs.ENTRYPOINT)
        async def solve_scenario(job: Job) -> None:
            await self.handle(jobs.scenario_of(job.payload))

        @self.pgq.schedule("expire_offers", OFFER_EXPIRY_CRON)
        async def expire_offers(schedule: Schedule) -> None:
            await self.expire_offers()

    async def expire_offers(self) -> list[int]:
        """Expire the offers past their TTL and queue their repairs (the scheduled task)."""
        async with self.pool.acquire() as conn:
            queued = await offers.expire_offers(conn)
        if queued:
            log.info("offers expired; repair scenarios queued: %s", queued)
        return queued

    async def run(self) -> None:
        """Take jobs until ``stop`` is called. Starts the solver's warm-up
        (``warm_solver_cache``) in the background first, which neither delays taking jobs nor
        fails the worker."""
        warm_solver_cache()
        await self.pgq.run(
            heartbeat_timeout=self.heartbeat_timeout, dequeue_timeout=self.dequeue_timeout
        )

    def stop(self) -> None:
        """Stop taking jobs; running solves are killed and their scenarios re-queued."""
        self.stopping = True
        self.pgq.shutdown.set()

    async def _fail(self, scenario_id: int, reason: str) -> None:
        """FAILED with ``reason``, unless another run already ended it (then only log)."""
        log.warning("scenario %s failed: %s", scenario_id, reason)
        try:
            await repository.transition(
                self.pool,
                scenario_id,
                S.FAILED,
                reason[:2000],
                expect=frozenset({S.SOLVING}),
                failure_reason=reason[:2000],
            )
        except DomainError as exc:  # e.g. a duplicate run after a late heartbeat stored first
            log.warning("scenario %s not marked FAILED: %s", scenario_id, exc)
            return
        await progress.publish(self.pool, progress.event(scenario_id, S.FAILED.value))

    async def _start(self, scenario_id: int) -> Scenario | None:
        """SOLVING, counting runs; None when the job has nothing (more) to do."""
        current = await repository.get(self.pool, scenario_id)
        if current.status is S.SOLVING:  # a re-run: the worker that had it died
            if current.solve_attempts >= MAX_RUNS:
                await self._fail(
                    scenario_id,
                    f"the solve was started {MAX_RUNS} times and its worker died each time",
                )
                return None
            await repository.transition(self.pool, scenario_id, S.QUEUED, "worker lost: re-run")
        elif current.status is not S.QUEUED:
            return None  # cancelled or re-queued meanwhile: a stale job
        async with self.pool.acquire() as conn, conn.transaction():
            scenario = await repository.transition(
                conn, scenario_id, S.SOLVING, f"worker {self.name}", expect=frozenset({S.QUEUED})
            )
            await conn.execute(
                "UPDATE scenarios SET solve_attempts = solve_attempts + 1 WHERE id = $1",
                scenario_id,
            )
        await progress.publish(self.pool, progress.event(scenario_id, S.SOLVING.value))
        return scenario

    async def handle(self, scenario_id: int) -> None:
        """Run one solve job to its end: SOLVED (maybe stopped early), FAILED or CANCELLED.

        A cancel keeps the best allocation found so far (SOLVED, ``stopped_early``); a cancel
        before the solver reported any allocation ends CANCELLED (``SolveCancelled``).
        """
        try:
            scenario = await self._start(scenario_id)
        except DomainError as exc:
            log.info("solve job for scenario %s skipped: %s", scenario_id, exc)
            return
        if scenario is None:
            return
        try:
            await self._solve(scenario)
        except (SolveFailed, DomainError) as exc:
            await self._fail(scenario_id, str(exc))
        except SolveAborted:
            await self._requeue(scenario_id)
        except SolveCancelled as exc:
            await self._cancelled(scenario_id, str(exc))
        except asyncio.CancelledError:
            await asyncio.shield(self._requeue(scenario_id))
            raise
        except Exception as exc:
            log.exception("solve of scenario %s crashed", scenario_id)
            await self._fail(scenario_id, f"internal error: {type(exc).__name__}: {exc}")

    async def _cancelled(self, scenario_id: int, detail: str) -> None:
        """CANCELLED with nothing kept (the solver had found no allocation yet)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await repository.transition(
                conn,
                scenario_id,
                S.CANCELLED,
                f"{detail}: nothing to keep",
                expect=frozenset({S.SOLVING}),
                cancel_requested=False,
            )
            await progress.publish(conn, progress.event(scenario_id, S.CANCELLED.value))

    async def _requeue(self, scenario_id: int) -> None:
        """Give the scenario back to the queue (this worker is stopping)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await repository.transition(conn, scenario_id, S.QUEUED, "worker stopped: re-queued")
            await _enqueue_again(conn, scenario_id)

    async def _cancel_requested(self, scenario_id: int) -> bool:
        value = await self.pool.fetchval(
            "SELECT cancel_requested FROM scenarios WHERE id = $1", scenario_id
        )
        return bool(value)

    @contextlib.asynccontextmanager
    async def _cancel_listener(self, scenario_id: int) -> AsyncIterator[asyncio.Event]:
        """An event set when ``cancelSolve`` NOTIFYs this scenario's cancel (``jobs.cancel``).

        A LISTEN on a pool connection held for the solve, so that the cancel reaches the child
        at once instead of at the next poll of ``cancel_requested`` (which stays the fallback).
        Without a connection to spare the solve goes on with the poll alone.
        """
        event = asyncio.Event()

        def on_notify(conn: Any, pid: int, channel: str, payload: object) -> None:
            del conn, pid, channel
            if str(payload) == str(scenario_id):
                event.set()

        try:
            conn = await self.pool.acquire(timeout=2)
        except (TimeoutError, asyncpg.PostgresError, OSError):
            yield event
            return
        try:
            await conn.add_listener(jobs.CANCEL_CHANNEL, on_notify)
            try:
                yield event
            finally:
                with contextlib.suppress(Exception):
                    await conn.remove_listener(jobs.CANCEL_CHANNEL, on_notify)
        finally:
            await self.pool.release(conn)

    async def _solve(self, scenario: Scenario) -> None:
        sid = scenario.id
        t0 = time.perf_counter()
        loaded = await loader.load(self.pool, scenario)
        t1 = time.perf_counter()
        if await self._cancel_requested(sid):
            await repository.transition(self.pool, sid, S.CANCELLED, "cancelled before solving")
            await progress.publish(self.pool, progress.event(sid, S.CANCELLED.value))
            return

        async def on_progress(incumbent: float, bound: float, gap: float, elapsed: float) -> None:
            numbers = {"incumbent": incumbent, "bound": bound, "gap": gap, "elapsed_s": elapsed}
            clean = {
                k: (v if v == v and abs(v) != float("inf") else None) for k, v in numbers.items()
            }
            await progress.publish(self.pool, progress.event(sid, S.SOLVING.value, **clean))

        params = {
            "time_limit": scenario.parameters.time_limit_s,
            "workers": SOLVER_WORKERS,
            "seed": 0,
        }
        async with self._cancel_listener(sid) as cancelled:
            child = await run_in_child(
                loaded.problem,
                params,
                on_progress,
                lambda: self._cancel_requested(sid),
                abort=lambda: self.stopping,
                cancel_event=cancelled,
            )
        received_at = time.monotonic()
        t2 = time.perf_counter()
        stamps = {k: v for k, v in child.stats.items() if k.endswith("_at")}
        stats: dict[str, Any] = {
            **loaded.stats,
            **{k: round(v, 4) for k, v in child.stats.items() if k not in stamps},
            "load_s": round(t1 - t0, 4),
            "solve_s": round(t2 - t1, 4),
            "worker": self.name,
        }
        if "rows_ready_at" in stamps:  # same machine, same monotonic clock
            stats["rows_to_worker_s"] = round(max(0.0, received_at - stamps["rows_ready_at"]), 4)
        # The SOLVED row, its result rows, the progress snapshot and the NOTIFY in one
        # transaction: a subscriber is told at the commit that made the result readable.
        async with self.pool.acquire() as conn, conn.transaction():
            done = await store.store(
                conn, sid, child.outcome, stopped_early=child.cancelled, stats=stats
            )
            await progress.publish(
                conn,
                progress.event(
                    sid,
                    S.SOLVED.value,
                    incumbent=done.objective_cents,
                    bound=done.bound_cents,
                    gap=done.gap,
                    elapsed_s=done.runtime_s,
                    stopped_early=done.stopped_early,
                ),
            )
        while len(self.timelines) >= TIMELINES_KEPT:
            self.timelines.pop(next(iter(self.timelines)))
        self.timelines[sid] = {
            **stamps,
            "received_at": received_at,
            "committed_at": time.monotonic(),
        }
        self.solved += 1


async def _enqueue_again(conn: Any, scenario_id: int) -> None:
    """A fresh job for a scenario that is QUEUED already (a stopping worker gave it back)."""
    from pgqueuer import Queries

    job_ids = await Queries.from_asyncpg_connection(conn).enqueue(
        jobs.ENTRYPOINT, jobs.payload_of(scenario_id)
    )
    await conn.execute("UPDATE scenarios SET job_id = $2 WHERE id = $1", scenario_id, job_ids[0])


@dataclass
class InProcessWorker:
    """A worker running as a task of the API's event loop."""

    worker: Worker
    task: asyncio.Task[None]

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker and wait (bounded) for it to finish."""
        self.worker.stop()
        try:
            await asyncio.wait_for(self.task, timeout)
        except (TimeoutError, asyncio.CancelledError):
            self.task.cancel()
        except Exception:
            log.exception("worker ended with an error")


def start_in_process(pool: asyncpg.Pool) -> InProcessWorker:
    """Start a worker task on this event loop (for ``allot serve``)."""
    worker = Worker(pool)
    task = asyncio.create_task(worker.run(), name="allot-solve-worker")
    return InProcessWorker(worker, task)
