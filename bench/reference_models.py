"""Reference models of the exact allocation problem, for measuring the solver against.

One exact MIP, built from numpy arrays of ``solver.ProblemData`` (no per-pair Python loops
for HiGHS), solved either by HiGHS through OR-Tools' model_builder or by plain CP-SAT.
Neither uses any of the solver's strategies; both return an ``Allocation`` whose objective is
recomputed by ``solver.evaluate`` and checked by ``solver.validate``.

Formulation (maximise, money in cents). K = allowed pairs (territory-eligible, not forbidden,
tier floor met; a pinned account keeps only its pinned pair), W_a = total whitespace of a.

    x_k in {0,1}      pair k = (a, p) chosen
    y_a in [0,1]      account a assigned (= sum of its x; lower bound 1 under must-cover/pin)
    z_as in {0,1}     specialist s helps account a (s in a's territory, ws(a, line s) > 0)
    u_al >= 0         specialist gain of account a in line l (one per (a, l) with candidates)

    max  sum_k (value_k + st * W_a [p_k = incumbent_a]) x_k + sum_al u_al - st * sum_{a inc} W_a
    (R1) sum_{k in a} x_k - y_a = 0                               every account
    (R2) sum_{k in p} effort_k x_k <= capacity_p                  every partner
    (R3) sum_{k in p} x_k <= max_accounts                         if the policy sets it
    (R4) sum_a z_as <= capacity_s                                 every specialist
    (R5) sum_{s of line l} z_as - y_a <= 0                        one specialist per line, only
                                                                  on assigned accounts
    (R6) u_al - sum_{s of l} ws_al lift_s z_as <= 0
    (R7) u_al - ws_al L_al y_a + sum_{k in a} ws_al max(0, L_al - (1 - rate_pl)) x_k <= 0
    (R8) sum_k W_a ([track p_k = t] - share_t) x_k >= 0          every track with a share,
         written as q_p = sum_{k in p} W_a x_k and sum_p ([track p = t] - share_t) q_p >= 0

with L_al = the largest lift among a's candidate specialists of line l. (R6) and (R7) make
u_al = ws_al * min(lift_s, 1 - rate_pl) = ws_al * (min(1, rate + lift) - rate) exactly, because
at most one x of a and one z of (a, l) are 1: (R7)'s right side is then ws_al * min(L, 1 - rate)
and lift_s <= L. Writing (R7) through y_a keeps only the pairs whose rate exceeds 1 - L, so the
model stays sparse. The LP relaxation of this model is weaker than the solver's own bound on
the specialist part; it is a reference for the objective, not for the bound.

HiGHS notes (OR-Tools 9.15, HiGHS 1.12, 5,000 accounts): its presolve ran 100-130 s past a
20 s time limit without finishing, with the track-share row dense or through q_p alike, so the
benchmark passes ``presolve=off`` (then a first solution came after about 6 s). HiGHS also
overran its time limit during cut separation (43 s for a 10 s limit): benchmarks report wall
time. OR-Tools drops HiGHS's incumbent at a time limit and reports no dual bound, so both are
read from HiGHS's own solution file and log file.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from solver.lp_rows import SparseRows
from solver.problem import ProblemData
from solver.result import Allocation

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class ExactModel:
    """Index structure of the exact MIP above; shared by the HiGHS and CP-SAT builders."""

    data: ProblemData
    pair: IntArray  # kept data pair index per x variable
    x_obj: FloatArray
    constant: float
    y_lb: FloatArray  # per account
    z_acc: IntArray
    z_spec: IntArray
    z_group: IntArray
    z_gain: FloatArray  # ws_al * lift_s
    g_acc: IntArray  # per (a, l) group
    g_line: IntArray
    g_cap: FloatArray  # ws_al * L_al
    t_group: IntArray  # (R7) terms: group, x index, coefficient
    t_x: IntArray
    t_coef: FloatArray
    shares: list[tuple[int, float]] = field(default_factory=list)

    @property
    def sizes(self) -> dict[str, int]:
        """Counts of variables by kind, for the benchmark table."""
        return {"x": len(self.pair), "z": len(self.z_acc), "u": len(self.g_acc)}


def _kept_pairs(data: ProblemData) -> IntArray:
    """Allowed pairs; a pinned account keeps only its pinned pair."""
    allowed = data.pair_allowed()
    pins = data.policy.pins
    if len(pins):
        pin_of_pair = pins[data.pair_account]
        allowed &= (pin_of_pair < 0) | (pin_of_pair == data.pair_partner)
    return np.flatnonzero(allowed).astype(np.int64)


def _specialist_candidates(data: ProblemData) -> tuple[IntArray, IntArray]:
    """(account, specialist) with the specialist in the account's territory and whitespace > 0."""
    accs, specs = [], []
    by_terr = np.argsort(data.account_territory, kind="stable")
    bounds = np.searchsorted(
        data.account_territory[by_terr], np.arange(len(data.territory_ids) + 1)
    )
    for s in range(data.n_specialists):
        if data.specialist_lift[s] <= 0 or data.specialist_capacity[s] <= 0:
            continue
        t = data.specialist_territory[s]
        a = by_terr[bounds[t] : bounds[t + 1]]
        a = a[data.whitespace[a, data.specialist_line[s]] > 0]
        accs.append(a)
        specs.append(np.full(len(a), s, dtype=np.int64))
    if not accs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(accs).astype(np.int64), np.concatenate(specs)


def build_exact_model(data: ProblemData) -> ExactModel:
    """Compute the variables and coefficients of the exact MIP from the problem arrays."""
    pol = data.policy
    pair = _kept_pairs(data)
    acc, par = data.pair_account[pair], data.pair_partner[pair]
    w_tot = data.account_total_whitespace
    inc = data.account_incumbent
    x_obj = data.pair_value[pair] + pol.stickiness * w_tot[acc] * (inc[acc] == par)
    constant = -pol.stickiness * float(w_tot[inc >= 0].sum())
    y_lb = np.zeros(data.n_accounts)
    if pol.must_cover:
        y_lb[:] = 1.0
    if len(pol.pins):
        y_lb[pol.pins >= 0] = 1.0

    z_acc, z_spec = _specialist_candidates(data)
    z_line = data.specialist_line[z_spec]
    key = z_acc * max(1, data.n_lines) + z_line
    g_key, z_group = np.unique(key, return_inverse=True)
    g_acc, g_line = g_key // max(1, data.n_lines), g_key % max(1, data.n_lines)
    ws_z = data.whitespace[z_acc, z_line]
    lift = np.minimum(1.0, data.specialist_lift[z_spec])
    g_lam = np.zeros(len(g_key))
    np.maximum.at(g_lam, z_group, lift)
    g_ws = data.whitespace[g_acc, g_line]

    # (R7) terms: pairs of each group's account whose rate exceeds 1 - L.
    x_start = np.searchsorted(acc, np.arange(data.n_accounts + 1))
    counts = x_start[g_acc + 1] - x_start[g_acc]
    t_group = np.repeat(np.arange(len(g_key)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t_x = (np.repeat(x_start[g_acc], counts) + offsets).astype(np.int64)
    rate = data.partner_rates[par[t_x], g_line[t_group]]
    t_coef = g_ws[t_group] * np.maximum(0.0, g_lam[t_group] - (1.0 - rate))
    keep = t_coef > 0
    shares = [(t, float(s)) for t, s in enumerate(pol.min_track_share) if s > 0]
    return ExactModel(
        data=data,
        pair=pair,
        x_obj=x_obj,
        constant=constant,
        y_lb=y_lb,
        z_acc=z_acc,
        z_spec=z_spec,
        z_group=z_group.astype(np.int64),
        z_gain=ws_z * lift,
        g_acc=g_acc.astype(np.int64),
        g_line=g_line.astype(np.int64),
        g_cap=g_ws * g_lam,
        t_group=t_group[keep].astype(np.int64),
        t_x=t_x[keep],
        t_coef=t_coef[keep],
        shares=shares,
    )


def allocation_from(model: ExactModel, x_on: npt.NDArray[np.bool_], z_on: Any) -> Allocation:
    """The Allocation that a 0/1 solution of the exact model describes."""
    data = model.data
    alloc = Allocation.empty(data)
    k = model.pair[x_on]
    alloc.partner[data.pair_account[k]] = data.pair_partner[k]
    zs = np.flatnonzero(z_on)
    alloc.specialist[model.z_acc[zs], data.specialist_line[model.z_spec[zs]]] = model.z_spec[zs]
    return alloc


@dataclass
class RefResult:
    """Outcome of a reference solve; objective and validity come from the solver's checkers."""

    method: str
    status: str
    objective: float | None
    bound: float | None
    build_s: float
    solve_s: float
    sizes: dict[str, int]
    violations: list[str]
    allocation: Allocation | None = None
    model_objective: float | None = None  # the solver's own value of its model's objective
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (seconds, incumbent)


def finish(
    method: str,
    status: str,
    model: ExactModel,
    alloc: Allocation | None,
    bound: float | None,
    build_s: float,
    solve_s: float,
    model_objective: float | None = None,
) -> RefResult:
    """Recompute the objective of ``alloc`` with solver.evaluate and check it with validate."""
    from solver.objective import evaluate
    from solver.validate import validate

    if alloc is None:
        return RefResult(method, status, None, bound, build_s, solve_s, model.sizes, [])
    objective = evaluate(model.data, alloc)
    return RefResult(
        method,
        status,
        objective,
        bound,
        build_s,
        solve_s,
        model.sizes,
        validate(model.data, alloc),
        alloc,
        model_objective,
    )


def elapsed(t0: float) -> float:
    """Seconds since ``t0`` (time.perf_counter)."""
    return time.perf_counter() - t0


def _exact_rows(model: ExactModel) -> tuple[SparseRows, int]:
    """Rows (R1)-(R8) over [x | y | z | u | q] with their bounds (``solver.lp_rows``), and the
    number of q columns (per-partner assigned whitespace, only when a track share is set)."""
    data, pol = model.data, model.data.policy
    nx, na, nz, ng = len(model.pair), data.n_accounts, len(model.z_acc), len(model.g_acc)
    ox, oy, oz, ou = 0, nx, nx + na, nx + na + nz
    np_ = data.n_partners
    nq = np_ if model.shares else 0
    rows = SparseRows(ou + ng + nq)
    acc = data.pair_account[model.pair]
    par = data.pair_partner[model.pair]
    xi = np.arange(nx)

    def block(r: Any, c: Any, v: Any, n: int, lb: Any, ub: Any) -> None:
        rows.block(np.asarray(r, np.int64), np.asarray(c, np.int64), np.asarray(v, np.float64),
                   lb, ub, n)  # fmt: skip

    inf = np.inf
    ar = np.arange(na)
    block(np.r_[acc, ar], np.r_[ox + xi, oy + ar], np.r_[np.ones(nx), -np.ones(na)], na, 0, 0)
    block(par, ox + xi, data.pair_effort[model.pair], np_, -inf, data.partner_capacity)
    if pol.max_accounts_per_partner is not None:
        block(par, ox + xi, np.ones(nx), np_, -inf, pol.max_accounts_per_partner)
    zi = np.arange(nz)
    block(model.z_spec, oz + zi, np.ones(nz), data.n_specialists, -inf, data.specialist_capacity)
    gi = np.arange(ng)
    block(
        np.r_[model.z_group, gi],
        np.r_[oz + zi, oy + model.g_acc],
        np.r_[np.ones(nz), -np.ones(ng)],
        ng,
        -inf,
        0,
    )
    block(
        np.r_[gi, model.z_group],
        np.r_[ou + gi, oz + zi],
        np.r_[np.ones(ng), -model.z_gain],
        ng,
        -inf,
        0,
    )
    block(
        np.r_[gi, gi, model.t_group],
        np.r_[ou + gi, oy + model.g_acc, ox + model.t_x],
        np.r_[np.ones(ng), -model.g_cap, model.t_coef],
        ng,
        -inf,
        0,
    )
    if model.shares:
        # (R8) through per-partner sums q_p = sum_{k in p} W_a x_k / W_max: one dense row over
        # all pairs made HiGHS's presolve take minutes; a row over partners does not.
        oq = ou + ng
        w = data.account_total_whitespace[acc]
        w = w / max(1.0, float(w.max(initial=0.0)))
        block(np.r_[par, np.arange(np_)], np.r_[ox + xi, oq + np.arange(np_)],
              np.r_[w, -np.ones(np_)], np_, 0, 0)  # fmt: skip
        for t, share in model.shares:
            coef = (data.partner_track == t) - share
            block(np.zeros(np_), oq + np.arange(np_), coef, 1, 0, inf)
    return rows, nq


def solve_highs(
    data: ProblemData, time_limit: float, log: bool = False, options: str = ""
) -> RefResult:
    """Solve the exact MIP with HiGHS (OR-Tools model_builder) within ``time_limit`` seconds.

    ``options`` are HiGHS options, one ``name=value`` per line (for example ``presolve=off``).
    """
    from ortools.linear_solver.python import model_builder as mb
    from ortools.linear_solver.python import model_builder_helper as mbh

    t0 = time.perf_counter()
    exact = build_exact_model(data)
    # Money in units that keep the largest coefficient near 1e4 (in cents, up to 1e9, HiGHS
    # warns of excessively large costs and bounds). Scaled back on the way out.
    money = [np.abs(exact.x_obj), exact.g_cap, exact.z_gain]
    top = max([1.0] + [float(m.max()) for m in money if len(m)])
    scale = 1e4 / top
    model = replace(
        exact,
        x_obj=exact.x_obj * scale,
        constant=exact.constant * scale,
        g_cap=exact.g_cap * scale,
        z_gain=exact.z_gain * scale,
        t_coef=exact.t_coef * scale,
    )
    rows, nq = _exact_rows(model)
    nx, na, nz, ng = len(model.pair), data.n_accounts, len(model.z_acc), len(model.g_acc)
    var_lo = np.zeros(nx + na + nz + ng + nq)
    var_lo[nx : nx + na] = model.y_lb
    var_hi = np.r_[np.ones(nx + na + nz), model.g_cap, np.full(nq, np.inf)]
    obj = np.r_[model.x_obj, np.zeros(na + nz), np.ones(ng), np.zeros(nq)]
    mbm = mb.Model()
    helper = mbm.helper
    rows.fill(helper, var_lo, var_hi, obj)
    helper.set_maximize(True)
    helper.set_objective_offset(model.constant)
    for i in np.r_[np.arange(nx), nx + na + np.arange(nz)].tolist():
        helper.set_var_integrality(i, True)
    build_s = elapsed(t0)
    with tempfile.TemporaryDirectory() as tmp:
        sol_file = Path(tmp) / "highs.sol"
        solver = mbh.ModelSolverHelper("highs")
        solver.set_time_limit_in_seconds(max(1.0, time_limit))
        # OR-Tools 9.15 drops HiGHS's incumbent when the time limit is reached (status
        # UNKNOWN, no values) and reports no dual bound: take both from HiGHS itself, the
        # solution from its solution file and the bound from its log.
        log_file = Path(tmp) / "highs.log"
        solver.enable_output(True)  # also to the console (stdout): callers redirect it
        extra = f"write_solution_to_file=true\nsolution_file={sol_file}\nlog_file={log_file}"
        solver.set_solver_specific_parameters("\n".join(o for o in (options, extra) if o))
        t1 = time.perf_counter()
        solver.solve(helper)
        solve_s = elapsed(t1)
        values, model_obj, highs_status = _read_highs_solution(sol_file, helper.num_variables())
        log_lines = log_file.read_text().splitlines() if log_file.exists() else []
    if log:
        print("\n".join(log_lines), file=sys.stderr)
    raw_status = highs_status or solver.status().name
    if values is not None:
        status = "OPTIMAL" if raw_status == "Optimal" else f"FEASIBLE ({raw_status})"
    else:
        status = f"NO SOLUTION ({raw_status})"
    dual = _last_number(log_lines, "Dual bound")
    bound = dual / scale if dual is not None else None
    if values is None:
        return finish("highs", status, exact, None, bound, build_s, solve_s)
    alloc = allocation_from(model, values[:nx] > 0.5, values[nx + na : nx + na + nz] > 0.5)
    obj = model_obj / scale if model_obj is not None else None
    out = finish("highs", status, exact, alloc, bound, build_s, solve_s, obj)
    out.timeline = [(t, v / scale) for t, v in _incumbents(log_lines)]
    return out


def _incumbents(lines: list[str]) -> list[tuple[float, float]]:
    """(seconds, incumbent) from the rows of HiGHS's branch-and-bound log where it improved."""
    out: list[tuple[float, float]] = []
    for line in lines:
        tok = line.split()
        pcts = [i for i, t in enumerate(tok) if t.endswith("%")]
        if not tok or not tok[-1].endswith("s") or not pcts or pcts[0] + 2 >= len(tok):
            continue
        try:
            value, seconds = float(tok[pcts[0] + 2]), float(tok[-1][:-1])
        except ValueError:
            continue
        if np.isfinite(value) and (not out or value > out[-1][1]):
            out.append((seconds, value))
    return out


def _last_number(lines: list[str], label: str) -> float | None:
    """The number after the last ``label`` in HiGHS's log (e.g. its solving report)."""
    found = None
    for chunk in lines:
        for line in chunk.splitlines():
            text = line.strip()
            if text.startswith(label):
                try:
                    found = float(text[len(label) :].split()[0])
                except (ValueError, IndexError):
                    continue
    return found if found is not None and np.isfinite(found) else None


def _read_highs_solution(
    path: Path, n_cols: int
) -> tuple[FloatArray | None, float | None, str | None]:
    """Column values, objective and model status from a HiGHS solution file (raw style)."""
    if not path.exists():
        return None, None, None
    lines = path.read_text().splitlines()
    status = lines[1].strip() if len(lines) > 1 else None
    try:
        head = lines.index("# Primal solution values")
    except ValueError:
        return None, None, status
    if lines[head + 1].strip() != "Feasible":
        return None, None, status
    objective = float(lines[head + 2].split()[1])
    count = int(lines[head + 3].split()[2])
    values = np.array([float(ln.split()[1]) for ln in lines[head + 4 : head + 4 + count]])
    if count != n_cols:
        return None, objective, status
    return values, objective, status
