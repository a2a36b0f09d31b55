"""Solver result -> the scenario_* tables with COPY, and the scenario row, in one transaction.

``outcome_from_result`` turns an ``allot-result/1`` dict (string ids) into plain rows with
database ids and integer cents; ``outcome_from_solve`` builds the same rows straight from the
solver's result and explanation arrays (no dict per account: what a cancel waits for). Both are
pure, so the solve's child process can run them and send only rows back. ``store`` replaces any
earlier result of the scenario and marks it SOLVED.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from db.errors import Invalid
from db.pool import AnyConnection
from db.scenarios import repository
from db.scenarios.models import Scenario, ScenarioStatus
from solver.explain import explain
from solver.problem import IntArray, ProblemData
from solver.result import Result
from solver.space import Space

# solver/explain.py's reasons -> the scenario_unassigned.reason codes.
_REASONS = {
    "no eligible partner": "NO_ELIGIBLE_PARTNER",
    "capacity": "CAPACITY",
}
RESULT_TABLES = (
    "scenario_assignments",
    "scenario_unassigned",
    "scenario_partner_loads",
    "scenario_specialist_loads",
)


def _cents(x: float | None) -> int | None:
    return None if x is None or not math.isfinite(x) else round(x)


@dataclass(frozen=True)
class SolveOutcome:
    """A solve's result as rows ready for COPY, plus the summary numbers."""

    solver_status: str
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    conflicts: list[str]
    assignments: list[tuple[int, int, list[int], int, int | None, int | None]]
    unassigned: list[tuple[int, str, str]]
    partner_loads: list[tuple[int, float, float, float | None]]
    specialist_loads: list[tuple[int, int, int, float | None]]
    stats: dict[str, Any] = field(default_factory=dict)


def _reason(text: str) -> str:
    if text in _REASONS:
        return _REASONS[text]
    return "NO_ELIGIBLE_PARTNER" if text.startswith("no partner allowed") else "NOT_WORTH_IT"


def outcome_from_result(d: dict[str, Any]) -> SolveOutcome:
    """Rows of an ``allot-result/1`` dict whose ids are database ids as strings."""
    assignments = [
        (
            int(a["account"]),
            int(a["partner"]),
            [int(s) for s in a["specialists"]],
            max(0, round(a["expected_revenue"])),
            None if a["next_best_partner"] is None else int(a["next_best_partner"]),
            _cents(a["regret"]),
        )
        for a in d["assignments"]
    ]
    return SolveOutcome(
        solver_status=d["status"],
        objective=d["objective"],
        bound=d["bound"],
        gap=d["gap"],
        runtime_s=float(d["runtime_s"]),
        conflicts=[str(c) for c in d.get("conflicts", [])],
        assignments=assignments,
        unassigned=[
            (int(u["account"]), _reason(u["reason"]), u["reason"]) for u in d["unassigned"]
        ],
        partner_loads=[
            (int(p["id"]), p["load"], p["capacity"], p["shadow_price"]) for p in d["partners"]
        ],
        specialist_loads=[
            (int(s["id"]), s["load"], s["capacity"], s["shadow_price"]) for s in d["specialists"]
        ],
    )


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _ids(ids: tuple[str, ...]) -> list[int]:
    """Database ids (the solver's string ids) as ints, in one numpy conversion."""
    return np.array(ids, dtype=str).astype(np.int64).tolist() if ids else []


def outcome_from_solve(
    res: Result, data: ProblemData, *, space: Space, short: IntArray | None = None
) -> SolveOutcome:
    """The rows ``outcome_from_result(result_to_dict(res, data, ...))`` gives, without the
    per-account dicts in between: what a cancel waits for after the solver returns (the
    synthetic 50,000-account channel, load 3: 0.23-0.44 s against 0.38-0.96 s). ``short`` is
    ``explain.shortlist(space)`` computed before the solve."""
    alloc = res.allocation
    ex = explain(space, alloc, short)
    acc_id, par_id, spec_id = (
        _ids(data.account_ids),
        _ids(data.partner_ids),
        _ids(data.specialist_ids),
    )
    partner = alloc.partner
    assigned = np.flatnonzero(partner >= 0)
    revenue = np.maximum(0, np.round(ex.revenue[assigned])).astype(np.int64).tolist()
    columns = zip(
        assigned.tolist(),
        partner[assigned].tolist(),
        alloc.specialist[assigned].tolist(),
        revenue,
        ex.next_best[assigned].tolist(),
        ex.regret[assigned].tolist(),
        strict=True,
    )
    assignments = [
        (
            acc_id[a],
            par_id[p],
            [spec_id[s] for s in picked if s >= 0],
            r,
            par_id[n] if n >= 0 else None,
            round(g) if math.isfinite(g) else None,
        )
        for a, p, picked, r, n, g in columns
    ]
    reason = ex.reason
    left = np.flatnonzero(partner < 0).tolist()
    k = data.pair_index(assigned, partner[assigned])
    load = np.bincount(
        partner[assigned], weights=data.pair_effort[np.maximum(k, 0)], minlength=data.n_partners
    )
    held = alloc.specialist[alloc.specialist >= 0]
    spec_load = np.bincount(held, minlength=data.n_specialists)
    return SolveOutcome(
        solver_status=res.status.value,
        objective=_num(res.objective),
        bound=_num(res.bound),
        gap=_num(res.gap),
        runtime_s=float(res.runtime_s),
        conflicts=[str(c) for c in res.conflicts],
        assignments=assignments,
        unassigned=[(acc_id[a], _reason(reason[a]), reason[a]) for a in left],
        partner_loads=list(
            zip(
                par_id,
                load.astype(float).tolist(),
                data.partner_capacity.astype(float).tolist(),
                res.partner_shadow_price.astype(float).tolist(),
                strict=True,
            )
        ),
        specialist_loads=list(
            zip(
                spec_id,
                spec_load.tolist(),
                data.specialist_capacity.astype(np.int64).tolist(),
                res.specialist_shadow_price.astype(float).tolist(),
                strict=True,
            )
        ),
    )


async def _copy(
    conn: AnyConnection, sid: int, table: str, cols: list[str], rows: list[Any]
) -> None:
    if rows:
        await conn.copy_records_to_table(
            table, records=[(sid, *r) for r in rows], columns=["scenario_id", *cols]
        )


CHECK_REFERENCES = """
SELECT (SELECT count(*) FROM accounts WHERE id = any($1::bigint[])) AS accounts,
       (SELECT count(*) FROM partners WHERE id = any($2::bigint[])) AS partners
"""


async def _check_references(conn: AnyConnection, outcome: SolveOutcome) -> None:
    """Every account and partner the result names exists: one query for the whole result.

    The per-account result tables have no row-level foreign keys (migration 0030: one check
    per row was half of a 50,000-account store); this is their check on write.
    """
    accounts = {a[0] for a in outcome.assignments} | {u[0] for u in outcome.unassigned}
    partners = {a[1] for a in outcome.assignments} | {
        a[4] for a in outcome.assignments if a[4] is not None
    }
    row = await conn.fetchrow(CHECK_REFERENCES, list(accounts), list(partners))
    assert row is not None
    if row["accounts"] != len(accounts) or row["partners"] != len(partners):
        raise Invalid(
            "result",
            "exists",
            f"the result names {len(accounts) - row['accounts']} account(s) and "
            f"{len(partners) - row['partners']} partner(s) that no longer exist",
        )


async def store(
    conn: AnyConnection,
    scenario_id: int,
    outcome: SolveOutcome,
    *,
    stopped_early: bool = False,
    stats: dict[str, Any] | None = None,
) -> Scenario:
    """Replace the scenario's result rows with ``outcome`` and move it SOLVING -> SOLVED."""
    started = time.perf_counter()
    async with conn.transaction():
        # Locked first: the result tables have no foreign key to it (0030), so this is what
        # keeps the scenario from being deleted before the rows below commit.
        await repository.lock(conn, scenario_id)
        for table in RESULT_TABLES:
            await conn.execute(f"DELETE FROM {table} WHERE scenario_id = $1", scenario_id)
        await _copy(
            conn,
            scenario_id,
            "scenario_assignments",
            [
                "account_id",
                "partner_id",
                "specialist_ids",
                "expected_revenue_cents",
                "next_best_partner_id",
                "regret_cents",
            ],
            outcome.assignments,
        )
        await _copy(
            conn,
            scenario_id,
            "scenario_unassigned",
            ["account_id", "reason", "detail"],
            outcome.unassigned,
        )
        await _copy(
            conn,
            scenario_id,
            "scenario_partner_loads",
            ["partner_id", "load", "capacity", "shadow_price"],
            outcome.partner_loads,
        )
        await _copy(
            conn,
            scenario_id,
            "scenario_specialist_loads",
            ["specialist_id", "load", "capacity", "shadow_price"],
            outcome.specialist_loads,
        )
        await _check_references(conn, outcome)
        all_stats = {**outcome.stats, **(stats or {})}
        all_stats["store_s"] = round(time.perf_counter() - started, 4)
        detail = "stopped early: best allocation so far kept" if stopped_early else None
        return await repository.transition(
            conn,
            scenario_id,
            ScenarioStatus.SOLVED,
            detail or f"solver status {outcome.solver_status}",
            expect=frozenset({ScenarioStatus.SOLVING}),
            solver_status=outcome.solver_status,
            objective_cents=_cents(outcome.objective),
            bound_cents=_cents(outcome.bound),
            gap=outcome.gap,
            runtime_s=outcome.runtime_s,
            stopped_early=stopped_early,
            conflicts=outcome.conflicts,
            failure_reason=None,
            solve_stats=all_stats,
            cancel_requested=False,
        )
