"""Plain CP-SAT on the exact allocation MIP of ``bench.reference_models`` (same rows)."""

from __future__ import annotations

import time

import numpy as np

from bench.reference_models import (
    FloatArray,
    RefResult,
    allocation_from,
    build_exact_model,
    elapsed,
    finish,
)
from solver.problem import ProblemData


def _int_scale(values: FloatArray) -> int:
    """1 when all values are integers, else 1000 (CP-SAT needs integer coefficients)."""
    return 1 if np.all(np.abs(values - np.round(values)) < 1e-9) else 1000


def solve_cpsat(
    data: ProblemData, time_limit: float, workers: int = 2, log: bool = False
) -> RefResult:
    """Solve the exact MIP with plain CP-SAT (default parameters, no hint).

    Coefficients are made integer conservatively (efforts rounded up, capacities and gains
    down), so every CP-SAT solution is feasible for the real problem; the reported bound is
    CP-SAT's bound on the rounded objective (within about one cent per variable).
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    model = build_exact_model(data)
    pol = data.policy
    nx, na, ng = len(model.pair), data.n_accounts, len(model.g_acc)
    acc = data.pair_account[model.pair]
    par = data.pair_partner[model.pair]
    m = cp_model.CpModel()
    x = [m.new_bool_var("") for _ in range(nx)]
    x_start = np.searchsorted(acc, np.arange(na + 1)).tolist()
    for a in range(na):
        xs = x[x_start[a] : x_start[a + 1]]
        if model.y_lb[a] >= 1:
            m.add_exactly_one(xs)
        elif len(xs) > 1:
            m.add_at_most_one(xs)
    eff = data.pair_effort[model.pair]
    scale = _int_scale(np.r_[eff, data.partner_capacity])
    eff_i = np.ceil(eff * scale - 1e-9).astype(np.int64).tolist()
    cap_i = np.floor(data.partner_capacity * scale + 1e-9).astype(np.int64).tolist()
    by_p = np.argsort(par, kind="stable")
    p_start = np.searchsorted(par[by_p], np.arange(data.n_partners + 1)).tolist()
    by_p_list = by_p.tolist()
    for p in range(data.n_partners):
        ks = by_p_list[p_start[p] : p_start[p + 1]]
        if not ks:
            continue
        xs = [x[k] for k in ks]
        m.add(cp_model.LinearExpr.weighted_sum(xs, [eff_i[k] for k in ks]) <= cap_i[p])
        if pol.max_accounts_per_partner is not None and len(ks) > pol.max_accounts_per_partner:
            m.add(sum(xs) <= pol.max_accounts_per_partner)
    z = [m.new_bool_var("") for _ in range(len(model.z_acc))]
    for s in range(data.n_specialists):
        zs = [z[i] for i in np.flatnonzero(model.z_spec == s).tolist()]
        if len(zs) > data.specialist_capacity[s]:
            m.add(sum(zs) <= int(data.specialist_capacity[s]))
    g_cap = np.floor(model.g_cap).astype(np.int64).tolist()
    u = [m.new_int_var(0, g_cap[g], "") for g in range(ng)]
    z_gain = np.floor(model.z_gain).astype(np.int64).tolist()
    z_of_g: list[list[int]] = [[] for _ in range(ng)]
    for i, g in enumerate(model.z_group.tolist()):
        z_of_g[g].append(i)
    t_of_g: dict[int, dict[int, int]] = {}
    for g, k, c in zip(
        model.t_group.tolist(), model.t_x.tolist(), np.ceil(model.t_coef).tolist(), strict=True
    ):
        t_of_g.setdefault(g, {})[k] = int(c)
    for g in range(ng):
        a = int(model.g_acc[g])
        ks = range(x_start[a], x_start[a + 1])
        xs = [x[k] for k in ks]
        m.add(sum(z[i] for i in z_of_g[g]) <= sum(xs))
        m.add(
            u[g]
            <= cp_model.LinearExpr.weighted_sum(
                [z[i] for i in z_of_g[g]], [z_gain[i] for i in z_of_g[g]]
            )
        )
        terms = t_of_g.get(g, {})
        m.add(
            u[g] <= cp_model.LinearExpr.weighted_sum(xs, [g_cap[g] - terms.get(k, 0) for k in ks])
        )
    w = np.round(data.account_total_whitespace[acc]).astype(np.int64)
    for t, share in model.shares:
        share_bp = int(np.ceil(share * 10_000 - 1e-9))
        coef = (w * ((data.partner_track[par] == t) * 10_000 - share_bp)).tolist()
        m.add(cp_model.LinearExpr.weighted_sum(x, coef) >= 0)
    obj = np.round(model.x_obj).astype(np.int64).tolist()
    m.maximize(cp_model.LinearExpr.weighted_sum(x, obj) + sum(u))
    build_s = elapsed(t0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.log_search_progress = log
    t1 = time.perf_counter()
    code = solver.solve(m)
    solve_s = elapsed(t1)
    status = solver.status_name(code)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return finish("cpsat", status, model, None, None, build_s, solve_s)
    bound = float(solver.best_objective_bound) + model.constant
    x_on = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    z_on = np.array([solver.boolean_value(v) for v in z], dtype=bool)
    alloc = allocation_from(model, x_on, z_on)
    model_obj = float(solver.objective_value) + model.constant
    return finish("cpsat", status, model, alloc, bound, build_s, solve_s, model_obj)
