"""Scenarios: create, change while DRAFT, clone, archive, delete, list, and status transitions.

Every status change goes through ``transition``, which locks the row, checks the move against
``models.ALLOWED`` and stores a ``scenario_transitions`` row with its time, in the caller's
transaction when given a connection (or its own).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from db.errors import Conflict, NotFound
from db.models import KEEP
from db.pool import AnyConnection
from db.repositories._sql import Executor, Key, Page, Where, domain_errors, one, page_of
from db.scenarios.models import (
    ALLOWED,
    NewScenario,
    Scenario,
    ScenarioFilter,
    ScenarioPatch,
    ScenarioStatus,
    Transition,
)
from db.scenarios.references import check_references

COLUMNS = """id, name, description, kind, status, parameters, parent_id, created_by, version,
solver_status, objective_cents, bound_cents, gap, runtime_s, stopped_early, conflicts,
failure_reason, solve_stats, created_at, updated_at, progress, cancel_requested,
solve_attempts"""
INSERT = f"""
INSERT INTO scenarios (name, description, kind, parameters, parent_id, created_by)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}
"""
LOG = """
INSERT INTO scenario_transitions (scenario_id, from_status, to_status, detail)
VALUES ($1, $2, $3, $4)
"""
KEY_TYPES = (int,)
"""Types of a scenario page key: (id,), newest first."""

# Columns a transition may set together with the status.
SETTABLE = frozenset(
    {
        "solver_status",
        "objective_cents",
        "bound_cents",
        "gap",
        "runtime_s",
        "stopped_early",
        "conflicts",
        "failure_reason",
        "solve_stats",
        "progress",
        "cancel_requested",
        "job_id",
        "solve_attempts",
    }
)


@contextlib.asynccontextmanager
async def transaction(ex: Executor) -> AsyncIterator[AnyConnection]:
    """A transaction on ``ex``: a borrowed pool connection, or a savepoint on a connection."""
    if isinstance(ex, asyncpg.Pool):
        async with ex.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with ex.transaction():
            yield ex


async def get(ex: Executor, scenario_id: int) -> Scenario:
    """The scenario, or ``NotFound``."""
    row = await ex.fetchrow(f"SELECT {COLUMNS} FROM scenarios WHERE id = $1", scenario_id)
    if row is None:
        raise NotFound("Scenario", scenario_id)
    return Scenario.from_row(row)


async def get_many(ex: Executor, ids: list[int]) -> list[Scenario | None]:
    """Scenarios in the order of ``ids`` (None where missing): a DataLoader batch."""
    rows = await ex.fetch(f"SELECT {COLUMNS} FROM scenarios WHERE id = any($1::bigint[])", ids)
    by_id = {r["id"]: Scenario.from_row(r) for r in rows}
    return [by_id.get(i) for i in ids]


def _where(f: ScenarioFilter) -> Where:
    where = Where()
    if f.status is not None:
        where.add("status = {}", f.status.value)
    if f.created_by is not None:
        where.add("created_by = {}", f.created_by)
    return where


async def list_page(
    ex: Executor, f: ScenarioFilter, after: Key | None, limit: int
) -> Page[Scenario]:
    """A page of scenarios, newest first (keyset on id)."""
    where = _where(f)
    if after is not None:
        where.add("id < {}", after[0])
    sql = f"SELECT {COLUMNS} FROM scenarios WHERE {where.sql()} ORDER BY id DESC LIMIT "
    rows = await ex.fetch(sql + where.param(limit + 1), *where.args)
    return page_of(rows, limit, Scenario.from_row, lambda r: (r["id"],))


async def count(ex: Executor, f: ScenarioFilter) -> int:
    """Number of scenarios matching ``f``."""
    where = _where(f)
    value = await ex.fetchval(f"SELECT count(*) FROM scenarios WHERE {where.sql()}", *where.args)
    return int(value)


async def create(ex: Executor, new: NewScenario) -> Scenario:
    """Insert a DRAFT scenario (references checked) and its first transition."""
    async with transaction(ex) as conn:
        await check_references(conn, new.parameters)
        row = one(
            await domain_errors(
                conn.fetchrow(
                    INSERT,
                    new.name,
                    new.description,
                    new.kind.value,
                    new.parameters.to_json(),
                    new.parent_id,
                    new.created_by,
                )
            )
        )
        await conn.execute(LOG, row["id"], None, ScenarioStatus.DRAFT.value, "created")
        return Scenario.from_row(row)


async def _locked(conn: AnyConnection, scenario_id: int) -> Scenario:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM scenarios WHERE id = $1 FOR UPDATE", scenario_id
    )
    if row is None:
        raise NotFound("Scenario", scenario_id)
    return Scenario.from_row(row)


async def lock(conn: AnyConnection, scenario_id: int) -> Scenario:
    """The scenario row, locked ``FOR UPDATE`` until the caller's transaction ends."""
    return await _locked(conn, scenario_id)


def _need_draft(scenario: Scenario, action: str) -> None:
    if scenario.status is not ScenarioStatus.DRAFT:
        raise Conflict(
            f"scenario {scenario.id} is {scenario.status.value}: only DRAFT scenarios can be "
            f"{action} (clone it to change it)",
            "status",
        )


async def update(ex: Executor, scenario_id: int, patch: ScenarioPatch) -> Scenario:
    """Change a DRAFT scenario's name, description or parameters; bumps ``version``."""
    async with transaction(ex) as conn:
        current = await _locked(conn, scenario_id)
        _need_draft(current, "changed")
        params = None if patch.parameters is KEEP else patch.parameters
        if params is not None:
            await check_references(conn, params)
        row = await conn.fetchrow(
            f"""UPDATE scenarios SET name = coalesce($2, name),
                   description = coalesce($3, description),
                   parameters = coalesce($4, parameters),
                   version = version + 1, updated_at = now()
             WHERE id = $1 RETURNING {COLUMNS}""",
            scenario_id,
            None if patch.name is KEEP else patch.name,
            None if patch.description is KEEP else patch.description,
            None if params is None else params.to_json(),
        )
        return Scenario.from_row(one(row))


async def clone(
    ex: Executor, scenario_id: int, created_by: str, name: str | None = None
) -> Scenario:
    """A new DRAFT with the same parameters; ``parent_id`` points at the original."""
    source = await get(ex, scenario_id)
    return await create(
        ex,
        NewScenario(
            name=name if name is not None else f"{source.name} (copy)"[:200],
            created_by=created_by,
            description=source.description,
            parameters=source.parameters,
            parent_id=source.id,
        ),
    )


async def archive(ex: Executor, scenario_id: int) -> Scenario:
    """Move a scenario to ARCHIVED (not while queued or solving: cancel first)."""
    return await transition(ex, scenario_id, ScenarioStatus.ARCHIVED, "archived")


async def delete(ex: Executor, scenario_id: int) -> Scenario:
    """Delete a DRAFT scenario (its transitions go with it); returns what was deleted."""
    async with transaction(ex) as conn:
        current = await _locked(conn, scenario_id)
        _need_draft(current, "deleted")
        await conn.execute("UPDATE scenarios SET parent_id = NULL WHERE parent_id = $1", current.id)
        await conn.execute("DELETE FROM scenarios WHERE id = $1", scenario_id)
        return current


async def transition(
    ex: Executor,
    scenario_id: int,
    to: ScenarioStatus,
    detail: str | None = None,
    *,
    expect: frozenset[ScenarioStatus] | None = None,
    **fields: Any,
) -> Scenario:
    """Move to status ``to`` (checked against ALLOWED and ``expect``), set ``fields``, log it."""
    unknown = set(fields) - SETTABLE
    if unknown:
        raise ValueError(f"transition cannot set {sorted(unknown)}")
    async with transaction(ex) as conn:
        current = await _locked(conn, scenario_id)
        if to not in ALLOWED[current.status] or (
            expect is not None and current.status not in expect
        ):
            raise Conflict(
                f"scenario {scenario_id} is {current.status.value}: it cannot become {to.value}",
                "status",
            )
        sets = ["status = $2", "updated_at = now()"]
        args: list[Any] = [scenario_id, to.value]
        for name, value in fields.items():
            args.append(value)
            sets.append(f"{name} = ${len(args)}")
        row = await conn.fetchrow(
            f"UPDATE scenarios SET {', '.join(sets)} WHERE id = $1 RETURNING {COLUMNS}", *args
        )
        await conn.execute(LOG, scenario_id, current.status.value, to.value, detail)
        return Scenario.from_row(one(row))


async def transitions(ex: Executor, scenario_id: int) -> list[Transition]:
    """The scenario's status history, oldest first."""
    rows = await ex.fetch(
        "SELECT from_status, to_status, detail, at FROM scenario_transitions "
        "WHERE scenario_id = $1 ORDER BY id",
        scenario_id,
    )
    return [Transition.from_row(r) for r in rows]
