"""``solveProgress(scenarioId)``: the current state first, then events until the solve ends.

Events come through PostgreSQL LISTEN/NOTIFY (``db.scenarios.progress``), so a subscriber on
any API process sees a solve running in any worker.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from db.errors import NotFound
from db.scenarios.progress import listener_for
from db.scenarios.watch import watch
from schema.common.errors import UserInputError, as_user_input
from schema.common.ids import decode_id
from schema.context import Info
from schema.scenarios.types import SolveProgress


@strawberry.type
class ScenarioSubscription:
    @strawberry.subscription(
        description="A scenario's solve state now, then each change until it is no longer "
        "QUEUED or SOLVING."
    )
    async def solve_progress(
        self, info: Info, scenario_id: strawberry.ID
    ) -> AsyncGenerator[SolveProgress, None]:
        with as_user_input():
            sid = decode_id(scenario_id, "Scenario", "scenario_id")
        pool = info.context.pool
        listener = await listener_for(pool)
        try:
            async for event in watch(pool, listener, sid):
                yield SolveProgress.from_event(event)
        except NotFound as exc:
            raise UserInputError(exc.message, argument="scenarioId", rule="exists") from exc
