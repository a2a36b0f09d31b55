"""Solve jobs on the pgqueuer queue: enqueue in the caller's transaction, and cancel.

``enqueue_solve`` moves the scenario to QUEUED and inserts the job in the same transaction, so
a rollback leaves neither. ``cancel`` of a QUEUED scenario deletes the waiting job and ends
CANCELLED at once; of a SOLVING one it sets ``cancel_requested``, which the worker polls (and
gets a NOTIFY for) and answers by stopping the solver, keeping the best allocation so far.
"""

from __future__ import annotations

import json

from pgqueuer import Queries

from db.errors import Conflict
from db.pool import AnyConnection
from db.repositories._sql import Executor
from db.scenarios import progress, repository
from db.scenarios.models import Scenario, ScenarioStatus
from db.scenarios.repository import transaction

ENTRYPOINT = "solve_scenario"
CANCEL_CHANNEL = "allot_solve_cancel"
S = ScenarioStatus
SOLVABLE = frozenset({S.DRAFT, S.SOLVED, S.FAILED, S.CANCELLED})


def payload_of(scenario_id: int) -> bytes:
    """The job payload: just the scenario id (the worker reads the rest)."""
    return json.dumps({"scenario_id": scenario_id}).encode()


def scenario_of(payload: bytes | None) -> int:
    """The scenario id in a job payload."""
    return int(json.loads(payload or b"{}")["scenario_id"])


async def enqueue_solve(conn: AnyConnection, scenario_id: int) -> None:
    """QUEUED + a durable solve job, inside the caller's transaction (or a new one)."""
    await enqueue(conn, scenario_id)


async def enqueue(ex: Executor, scenario_id: int) -> Scenario:
    """``enqueue_solve`` that returns the queued scenario."""
    async with transaction(ex) as conn:
        current = await repository.get(conn, scenario_id)
        if current.status not in SOLVABLE:
            raise Conflict(
                f"scenario {scenario_id} is {current.status.value}: only DRAFT, SOLVED, FAILED "
                "or CANCELLED scenarios can be solved",
                "status",
            )
        queries = Queries.from_asyncpg_connection(conn)  # type: ignore[arg-type]
        job_ids = await queries.enqueue(ENTRYPOINT, payload_of(scenario_id))
        scenario = await repository.transition(
            conn,
            scenario_id,
            S.QUEUED,
            f"job {job_ids[0]}",
            expect=SOLVABLE,
            job_id=int(job_ids[0]),
            cancel_requested=False,
            solve_attempts=0,
            stopped_early=False,
            failure_reason=None,
            progress={"scenario_id": scenario_id, "status": S.QUEUED.value},
        )
        await progress.publish(conn, progress.event(scenario_id, S.QUEUED.value), store=False)
        return scenario


async def cancel(ex: Executor, scenario_id: int) -> Scenario:
    """Cancel a queued or running solve (Conflict in any other status)."""
    async with transaction(ex) as conn:
        current = await repository.get(conn, scenario_id)
        if current.status is S.QUEUED:
            await conn.execute(
                "DELETE FROM pgqueuer WHERE status = 'queued' "
                "AND id = (SELECT job_id FROM scenarios WHERE id = $1)",
                scenario_id,
            )
            scenario = await repository.transition(
                conn,
                scenario_id,
                S.CANCELLED,
                "cancelled before it started",
                expect=frozenset({S.QUEUED}),
                cancel_requested=False,
            )
            await progress.publish(conn, progress.event(scenario_id, S.CANCELLED.value))
            return scenario
        if current.status is S.SOLVING:
            row = await conn.fetchrow(
                f"UPDATE scenarios SET cancel_requested = true WHERE id = $1 "
                f"RETURNING {repository.COLUMNS}",
                scenario_id,
            )
            await conn.execute("SELECT pg_notify($1, $2)", CANCEL_CHANNEL, str(scenario_id))
            assert row is not None
            return Scenario.from_row(row)
        raise Conflict(
            f"scenario {scenario_id} is {current.status.value}: only QUEUED or SOLVING "
            "scenarios can be cancelled",
            "status",
        )
