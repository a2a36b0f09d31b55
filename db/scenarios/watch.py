"""A scenario's solve progress as a stream: the current state first, then live events.

Subscribe first, then read the row, so that no event between the read and the first NOTIFY is
lost (a duplicate is harmless). The stream ends once the scenario is no longer queued or
solving. After a listener reconnect the row is read again (events sent meanwhile are lost).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from db.repositories._sql import Executor
from db.scenarios import repository
from db.scenarios.models import Scenario, ScenarioStatus
from db.scenarios.progress import Listener

ACTIVE = frozenset({ScenarioStatus.QUEUED, ScenarioStatus.SOLVING})
NUMBERS = ("incumbent", "bound", "gap", "elapsed_s")


def snapshot(scenario: Scenario) -> dict[str, Any]:
    """The current state of a scenario as a progress event."""
    state: dict[str, Any] = {
        "scenario_id": scenario.id,
        "status": scenario.status.value,
        "stopped_early": scenario.stopped_early,
    }
    progress = scenario.progress or {}
    for key in NUMBERS:
        state[key] = progress.get(key)
    if scenario.status not in ACTIVE and scenario.objective_cents is not None:
        state["incumbent"] = float(scenario.objective_cents)
        state["bound"] = None if scenario.bound_cents is None else float(scenario.bound_cents)
        state["gap"] = scenario.gap
        state["elapsed_s"] = scenario.runtime_s
    return state


def _ended(state: dict[str, Any]) -> bool:
    return ScenarioStatus(state["status"]) not in ACTIVE


async def watch(
    ex: Executor, listener: Listener, scenario_id: int, *, poll_s: float = 5.0
) -> AsyncIterator[dict[str, Any]]:
    """Yield the current state, then every event, until the solve ends (NotFound if missing).

    Every ``poll_s`` without an event the row is read again: a safety net for a NOTIFY lost in
    a reconnect race, so a subscriber never waits forever on a finished solve.
    """
    async with listener.subscribe(scenario_id) as queue:
        state = snapshot(await repository.get(ex, scenario_id))
        yield state
        while not _ended(state):
            try:
                item = await asyncio.wait_for(queue.get(), timeout=poll_s)
            except TimeoutError:
                item = {"resync": True}
            if item.get("resync"):
                fresh = snapshot(await repository.get(ex, scenario_id))
                if fresh == state:
                    continue
                state = fresh
            else:
                merged = {**state, **item}
                if merged == state:
                    continue  # a duplicate (e.g. the NOTIFY of the state just read)
                state = merged
            yield state
