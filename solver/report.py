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
    # Plain lists first: indexing numpy arrays per account costs more than the rest of the loop.
    ids, pids, sids = data.account_ids, data.partner_ids, data.specialist_ids
    partner = alloc.partner.tolist()
    picked = alloc.specialist.tolist()
    revenue, next_best, regret = ex.revenue.tolist(), ex.next_best.tolist(), ex.regret.tolist()
    assignments = [
        {
            "account": ids[a],
            "partner": pids[p],
            "specialists": [sids[s] for s in picked[a] if s >= 0],
            "expected_revenue": revenue[a],
            "next_best_partner": pids[next_best[a]] if next_best[a] >= 0 else None,
            "regret": _num(regret[a]),
        }
        for a, p in enumerate(partner)
        if p >= 0
    ]
    unassigned = [
        {"account": ids[a], "reason": ex.reason[a]} for a, p in enumerate(partner) if p < 0
    ]
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
