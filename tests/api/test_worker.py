"""The solve worker against a real database: a queued scenario ends SOLVED with its rows,
cancel keeps the best allocation so far, a failing load ends FAILED with the reason; starting
warms the compiled tabu search in the background, and a failed warm-up leaves it running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from api import solve_process
from api.worker import MAX_RUNS, Worker
from db.scenarios import jobs, repository
from db.scenarios.models import (
    AccountPartner,
    CapacityOverride,
    NewScenario,
    Policy,
    ScenarioParameters,
    ScenarioStatus,
)

S = ScenarioStatus
pytestmark = pytest.mark.slow  # each test runs real solves in child processes


@pytest.fixture
async def worker(seeded_pool: asyncpg.Pool) -> AsyncIterator[Worker]:
    w = Worker(seeded_pool)
    task = asyncio.create_task(w.run())
    yield w
    w.stop()
    await asyncio.wait_for(task, 20)


async def _wait(pool: asyncpg.Pool, sid: int, statuses: set[S], timeout: float = 60) -> S:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        status = S(await pool.fetchval("SELECT status FROM scenarios WHERE id = $1", sid))
        if status in statuses:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"scenario {sid} still {status} after {timeout} s")


async def test_queued_scenario_is_solved_and_stored(
    seeded_pool: asyncpg.Pool, worker: Worker
) -> None:
    params = ScenarioParameters(time_limit_s=2)
    s = await repository.create(seeded_pool, NewScenario("w", "ann", parameters=params))
    await jobs.enqueue(seeded_pool, s.id)
    assert await _wait(seeded_pool, s.id, {S.SOLVED, S.FAILED}) is S.SOLVED
    done = await repository.get(seeded_pool, s.id)
    assert done.solver_status in ("OPTIMAL", "FEASIBLE") and not done.stopped_early
    assert done.objective_cents is not None and done.bound_cents is not None
    assert done.objective_cents <= done.bound_cents + 1
    in_scope = await seeded_pool.fetchval(
        "SELECT count(*) FROM accounts WHERE coverage = 'UNNAMED'"
    )
    assigned = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_assignments WHERE scenario_id = $1", s.id
    )
    unassigned = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_unassigned WHERE scenario_id = $1", s.id
    )
    assert assigned > 0 and assigned + unassigned == in_scope
    total = await seeded_pool.fetchval(
        "SELECT sum(expected_revenue_cents) FROM scenario_assignments WHERE scenario_id = $1",
        s.id,
    )
    # The objective (no stickiness) is the sum of the expected revenues, up to cent rounding.
    assert abs(total - done.objective_cents) <= assigned
    partners = await seeded_pool.fetchval("SELECT count(*) FROM partners WHERE active")
    loads = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_partner_loads WHERE scenario_id = $1", s.id
    )
    assert loads == partners
    history = [t.to_status for t in await repository.transitions(seeded_pool, s.id)]
    assert history == [S.DRAFT, S.QUEUED, S.SOLVING, S.SOLVED]
    assert done.solve_stats is not None and done.solve_stats["accounts"] == in_scope


async def test_pin_to_inactive_partner_fails_with_the_reason(
    seeded_pool: asyncpg.Pool, worker: Worker
) -> None:
    account = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    partner = await seeded_pool.fetchval("SELECT id FROM partners ORDER BY id LIMIT 1")
    params = ScenarioParameters(policy=Policy(pins=(AccountPartner(account, partner),)))
    s = await repository.create(seeded_pool, NewScenario("w", "ann", parameters=params))
    await seeded_pool.execute("UPDATE partners SET active = false WHERE id = $1", partner)
    await jobs.enqueue(seeded_pool, s.id)
    assert await _wait(seeded_pool, s.id, {S.SOLVED, S.FAILED}) is S.FAILED
    failed = await repository.get(seeded_pool, s.id)
    assert failed.failure_reason is not None and "pins[0]" in failed.failure_reason


async def test_a_forbid_whose_account_left_the_scope_fails_with_the_reason(
    seeded_pool: asyncpg.Pool, worker: Worker
) -> None:
    account = await seeded_pool.fetchval(
        "SELECT id FROM accounts WHERE coverage = 'UNNAMED' ORDER BY id LIMIT 1"
    )
    partner = await seeded_pool.fetchval("SELECT id FROM partners ORDER BY id LIMIT 1")
    params = ScenarioParameters(policy=Policy(forbids=(AccountPartner(account, partner),)))
    s = await repository.create(seeded_pool, NewScenario("w", "ann", parameters=params))
    # The default scope takes UNNAMED accounts when the solve starts: this one is named now.
    await seeded_pool.execute("UPDATE accounts SET coverage = 'NAMED' WHERE id = $1", account)
    await jobs.enqueue(seeded_pool, s.id)
    assert await _wait(seeded_pool, s.id, {S.SOLVED, S.FAILED}) is S.FAILED
    failed = await repository.get(seeded_pool, s.id)
    assert failed.failure_reason is not None
    assert "forbids[0]" in failed.failure_reason
    assert "no longer in the scenario's scope" in failed.failure_reason


async def test_infeasible_scenario_ends_solved_with_named_conflicts(
    seeded_pool: asyncpg.Pool, worker: Worker
) -> None:
    # Every partner gets no capacity, yet every account must be covered.
    partners = [r["id"] for r in await seeded_pool.fetch("SELECT id FROM partners")]
    params = ScenarioParameters(
        partner_capacities=tuple(CapacityOverride(p, 0) for p in partners),
        policy=Policy(must_cover=True),
        time_limit_s=2,
    )
    s = await repository.create(seeded_pool, NewScenario("inf", "ann", parameters=params))
    await jobs.enqueue(seeded_pool, s.id)
    assert await _wait(seeded_pool, s.id, {S.SOLVED, S.FAILED}) is S.SOLVED
    done = await repository.get(seeded_pool, s.id)
    assert done.solver_status == "INFEASIBLE" and done.conflicts
    assigned = await seeded_pool.fetchval(
        "SELECT count(*) FROM scenario_assignments WHERE scenario_id = $1", s.id
    )
    assert assigned == 0


async def test_a_stopping_worker_gives_its_solve_back_to_the_queue(
    seeded_pool: asyncpg.Pool,
) -> None:
    w = Worker(seeded_pool)
    task = asyncio.create_task(w.run())
    s = await repository.create(
        seeded_pool, NewScenario("long", "ann", parameters=ScenarioParameters(time_limit_s=60))
    )
    await jobs.enqueue(seeded_pool, s.id)
    await _wait(seeded_pool, s.id, {S.SOLVING})
    w.stop()  # what `allot serve` does at shutdown
    await asyncio.wait_for(task, 20)
    back = await repository.get(seeded_pool, s.id)
    assert back.status is S.QUEUED
    details = [t.detail for t in await repository.transitions(seeded_pool, s.id)]
    assert details[-1] == "worker stopped: re-queued"
    queued = await seeded_pool.fetchval(
        "SELECT count(*) FROM pgqueuer WHERE status = 'queued' AND id = "
        "(SELECT job_id FROM scenarios WHERE id = $1)",
        s.id,
    )
    assert queued == 1  # a fresh job waits for the next worker


async def test_a_job_whose_worker_died_too_often_fails(seeded_pool: asyncpg.Pool) -> None:
    s = await repository.create(seeded_pool, NewScenario("crashy", "ann"))
    await jobs.enqueue(seeded_pool, s.id)
    await repository.transition(seeded_pool, s.id, S.SOLVING, "worker that will die")
    await seeded_pool.execute(
        "UPDATE scenarios SET solve_attempts = $2 WHERE id = $1", s.id, MAX_RUNS
    )
    await Worker(seeded_pool).handle(s.id)  # what the queue does when it re-runs the job
    failed = await repository.get(seeded_pool, s.id)
    assert failed.status is S.FAILED
    assert (
        failed.failure_reason is not None and f"started {MAX_RUNS} times" in failed.failure_reason
    )


async def _started(warm_up: solve_process.WarmUp) -> solve_process.WarmUp:
    """``warm_up`` once its thread has ended (it is started before the worker's first await)."""
    thread = warm_up.thread
    assert thread is not None and thread.daemon
    await asyncio.to_thread(thread.join, 120)  # 10-22 s when numba compiles it afresh
    assert not thread.is_alive()
    return warm_up


async def test_starting_a_worker_warms_the_compiled_search_in_the_background(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm_up = solve_process.WarmUp(solve_process._warm_in_child)  # may have run already
    monkeypatch.setattr(solve_process, "CACHE_WARM_UP", warm_up)
    w = Worker(pool)
    task = asyncio.create_task(w.run())  # what `allot serve` and `allot worker` run
    await asyncio.sleep(0.2)
    try:
        done = await _started(warm_up)
        assert done.error is None
        assert done.seconds is not None and done.seconds >= 0
        assert not task.done()  # still taking jobs
        assert solve_process.warm_solver_cache() is done.thread  # once per process
    finally:
        w.stop()
        await asyncio.wait_for(task, 20)


async def test_a_failed_warm_up_is_logged_and_the_worker_goes_on(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    warm_up = solve_process.WarmUp(solve_process._warm_in_child)
    monkeypatch.setattr(solve_process, "CACHE_WARM_UP", warm_up)
    # the separate process fails as a broken numba would
    monkeypatch.setattr(solve_process, "WARM_CODE", "raise RuntimeError('no compiler today')")
    w = Worker(pool)
    task = asyncio.create_task(w.run())
    await asyncio.sleep(0.2)
    try:
        done = await _started(warm_up)
        assert done.error is not None and done.seconds is None
        assert done.error.endswith("RuntimeError: no compiler today")
        assert "warming the solver's numba kernels failed" in caplog.text
        assert not task.done()
        assert await w.expire_offers() == []  # the worker still works on the database
    finally:
        w.stop()
        await asyncio.wait_for(task, 20)
