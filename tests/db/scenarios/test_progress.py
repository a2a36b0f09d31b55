"""Progress over LISTEN/NOTIFY: current state first, then events; the listener reconnects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.scenarios import jobs, progress, repository
from db.scenarios.models import NewScenario, ScenarioStatus
from db.scenarios.progress import Listener
from db.scenarios.watch import snapshot, watch


@pytest.fixture
async def listener(seeded_database_url: str) -> AsyncIterator[Listener]:
    lis = Listener(seeded_database_url, retry_s=0.1, check_s=0.2)
    await lis.start()
    yield lis
    await lis.stop()


async def test_watch_yields_current_state_then_events_until_the_end(
    seeded_pool: asyncpg.Pool, listener: Listener
) -> None:
    s = await repository.create(seeded_pool, NewScenario("p", "ann"))
    await jobs.enqueue(seeded_pool, s.id)
    stream = watch(seeded_pool, listener, s.id)
    first = await anext(stream)
    assert first["status"] == "QUEUED" and first["incumbent"] is None
    await repository.transition(seeded_pool, s.id, ScenarioStatus.SOLVING)
    await progress.publish(
        seeded_pool, progress.event(s.id, "SOLVING", incumbent=10.0, bound=20.0, gap=0.5)
    )
    second = await asyncio.wait_for(anext(stream), 5)
    assert (second["status"], second["incumbent"], second["gap"]) == ("SOLVING", 10.0, 0.5)
    await repository.transition(seeded_pool, s.id, ScenarioStatus.FAILED, "test")
    await progress.publish(seeded_pool, progress.event(s.id, "FAILED"))
    last = await asyncio.wait_for(anext(stream), 5)
    assert last["status"] == "FAILED"
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), 5)
    # A new subscriber starts from the stored state.
    again = watch(seeded_pool, listener, s.id)
    assert (await anext(again))["status"] == "FAILED"
    with pytest.raises(StopAsyncIteration):
        await anext(again)


async def test_listener_reconnects_and_asks_subscribers_to_resync(
    seeded_pool: asyncpg.Pool, listener: Listener
) -> None:
    async with listener.subscribe(42) as queue:
        await listener.kill_connection()
        assert await asyncio.wait_for(queue.get(), 10) == progress.RESYNC
        assert listener.reconnects == 1
        await asyncio.wait_for(listener.connected.wait(), 10)
        await progress.publish(seeded_pool, progress.event(42, "SOLVING", gap=0.1), store=False)
        got = await asyncio.wait_for(queue.get(), 10)
        assert got == {"scenario_id": 42, "status": "SOLVING", "gap": 0.1}


async def test_the_current_state_says_whether_the_solve_stopped_early(
    seeded_pool: asyncpg.Pool,
) -> None:
    s = await repository.create(seeded_pool, NewScenario("p", "ann"))
    await seeded_pool.execute(
        "UPDATE scenarios SET status = 'SOLVED', stopped_early = true, objective_cents = 7 "
        "WHERE id = $1",
        s.id,
    )
    state = snapshot(await repository.get(seeded_pool, s.id))
    assert (state["status"], state["stopped_early"], state["incumbent"]) == ("SOLVED", True, 7.0)
