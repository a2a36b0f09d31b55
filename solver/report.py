"""``Result`` -> ``allot-result/1`` dict, with string ids only (indices never leave the solver)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from solver.explain import explain
from solver.problem import IntArray, ProblemData
from solver.result import Result
from solver.space import Space, build_space

RESULT_FORMAT = "allot-result/1"


def _num(x: float) -> float | None:
    """JSON has no inf/nan: those become null."""
    return float(x) if math.isfinite(x) else None


def result_to_dict(
    res: Result, data: ProblemData, *, space: Space | None = None, short: IntArray | None = None
) -> dict[str, Any]:
    """The result file of the contract (issue 3), explanations included.

    ``space`` and ``short`` (``explain.shortlist``) may be computed before the solve, which
    takes the pass over every allowed pair off the time between the solve's end (or a cancel)
    and the stored result.
    """
    alloc = res.allocation
    ex = explain(build_space(data) if space is None else space, alloc, short)
    assignments = []
    unassigned = []
    for a in range(data.n_accounts):
        p = int(alloc.partner[a])
        if p < 0:
            unassigned.append({"account": data.account_ids[a], "reason": ex.reason[a]})
            continue
        nb = int(ex.next_best[a])
        specs = alloc.specialist[a]
        assignments.append(
            {
                "account": data.account_ids[a],
                "partner": data.partner_ids[p],
                "specialists": [data.specialist_ids[s] for s in specs[specs >= 0].tolist()],
                "expected_revenue": float(ex.revenue[a]),
                "next_best_partner": data.partner_ids[nb] if nb >= 0 else None,
                "regret": _num(float(ex.regret[a])),
            }
        )
    assigned = np.flatnonzero(alloc.partner >= 0)
    k = data.pair_index(assigned, alloc.partner[assigned])
    load = np.bincount(
        alloc.partner[assigned],
        weights=data.pair_effort[np.maximum(k, 0)],
        minlength=data.n_partners,
    )
    held = alloc.specialist[alloc.specialist >= 0]
    spec_load = np.bincount(held, minlength=data.n_specialists)
    return {
        "format": RESULT_FORMAT,
        "name": data.name,
        "status": res.status.value,
        "objective": _num(res.objective),
        "bound": _num(res.bound),
        "gap": _num(res.gap),
        "runtime_s": res.runtime_s,
        "greedy_objective": _num(res.greedy_objective),
        "assignments": assignments,
        "unassigned": unassigned,
        "partners": [
            {
                "id": pid,
                "load": float(load[i]),
                "capacity": float(data.partner_capacity[i]),
                "shadow_price": float(res.partner_shadow_price[i]),
            }
            for i, pid in enumerate(data.partner_ids)
        ],
        "specialists": [
            {
                "id": sid,
                "load": int(spec_load[i]),
                "capacity": int(data.specialist_capacity[i]),
                "shadow_price": float(res.specialist_shadow_price[i]),
            }
            for i, sid in enumerate(data.specialist_ids)
        ],
        "conflicts": list(res.conflicts),
    }
