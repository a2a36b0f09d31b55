"""Linear relaxation: an upper bound, a fractional allocation to round, and shadow prices.

Same rows as the CP-SAT model but continuous and unscaled (floats are fine here):

    max  sum coef_k x_k + sum_j gain_j y_j (constant-gain slots) + sum_j g_j
    s.t. sum_k in a x_k <= 1 (= 1 under must-cover)          one row per account
         sum_k in p effort_k x_k <= capacity_p               dual: partner shadow price
         sum_k in p x_k <= max accounts                      dual: mu_p
         sum_k (1[track] - share) W_a x_k >= 0              dual: tau_t
         sum_j in (a,l) y_j - sum_k in a x_k <= 0
         g_j <= max_gain_j y_j,  g_j <= sum_k gain(k, j) x_k
         sum_j in s y_j <= capacity_s                        dual: specialist shadow price

Built through the model_builder helper with index calls (no pandas), solved by GLOP (default)
or HiGHS. OR-Tools 9.15's HiGHS wrapper returns row activities from ``dual_values`` (checked on
a two-row LP), so with "highs" the duals are left at zero and only the objective is used.
``pairs`` may restrict the pair columns (large problems); the objective is then a bound only
for the restricted problem, so ``solver.bound`` turns the duals into a bound for the whole.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from solver.cancel import stop_on_cancel
from solver.highs import solve_mip
from solver.problem import FloatArray, IntArray, ProblemData
from solver.result import Allocation
from solver.space import Space

INF = math.inf


@dataclass(frozen=True, eq=False)
class LPResult:
    """Outcome of the linear relaxation."""

    status: str
    objective: float  # includes the space constant (stickiness)
    pairs: IntArray
    x: FloatArray  # value per pair column
    slots: IntArray
    y: FloatArray
    cap_dual: FloatArray  # [P] >= 0
    count_dual: FloatArray  # [P] >= 0
    spec_dual: FloatArray  # [S] >= 0
    track_dual: FloatArray  # [tracks] >= 0
    wall_s: float

    @property
    def ok(self) -> bool:
        """True when the relaxation was solved to optimality."""
        return self.status == "OPTIMAL"

    @property
    def has_prices(self) -> bool:
        """True when the multipliers are usable (LP optimum or subgradient)."""
        return self.status in ("OPTIMAL", "LAGRANGIAN")


@dataclass(frozen=True, eq=False)
class FixedUse:
    """What the accounts held fixed already use: the rows of a neighbourhood model shrink by it."""

    cap: FloatArray  # [P] effort
    count: FloatArray  # [P] accounts
    spec: FloatArray  # [S] accounts
    track: FloatArray  # [tracks] sum of (1[track] - share) * whitespace

    @classmethod
    def of(cls, space: Space, base: Allocation, free: IntArray) -> FixedUse:
        """Usage of every account of ``base`` outside ``free``."""
        d = space.data
        fixed = np.ones(d.n_accounts, bool)
        fixed[free] = False
        acc = np.flatnonzero(fixed & (base.partner >= 0))
        k = d.pair_index(acc, base.partner[acc])
        part = base.partner[acc]
        held = base.specialist[fixed]
        w = d.account_total_whitespace[acc]
        track = np.array(
            [float((((d.partner_track[part] == t) - sh) * w).sum()) for t, sh in
             enumerate(d.policy.min_track_share)]
        )  # fmt: skip
        return cls(
            cap=np.bincount(part, weights=d.pair_effort[k], minlength=d.n_partners).astype(float),
            count=np.bincount(part, minlength=d.n_partners).astype(np.float64),
            spec=np.bincount(held[held >= 0], minlength=d.n_specialists).astype(np.float64),
            track=track,
        )


class _Cancelled(Exception):
    """The cancel event was set while the model was being built."""


class _Rows:
    """Adds rows to a model_builder helper, remembering the indices of the dual-carrying ones.

    Building is row by row in Python (about 13 s for 200,000 pairs on the shared VM), so each
    row first looks at the cancel event.
    """

    def __init__(self, helper: mbh.ModelBuilderHelper, cancel: threading.Event | None) -> None:
        self.h = helper
        self.cancel = cancel

    def add(self, vars_: list[int], coeffs: list[float], lo: float, hi: float) -> int:
        if self.cancel is not None and self.cancel.is_set():
            raise _Cancelled
        ct = self.h.add_linear_constraint()
        self.h.set_constraint_lower_bound(ct, lo)
        self.h.set_constraint_upper_bound(ct, hi)
        for v, c in zip(vars_, coeffs, strict=True):
            self.h.add_term_to_constraint(ct, v, c)
        return int(ct)


def _add_vars(helper: mbh.ModelBuilderHelper, lo: FloatArray, hi: FloatArray) -> None:
    """Continuous columns with the given bounds."""
    helper.add_var_array_with_bounds(lo, hi, np.zeros(len(lo), bool), "")  # type: ignore[arg-type]


def _by_key(keys: IntArray) -> list[tuple[int, IntArray]]:
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    cuts = np.flatnonzero(np.diff(sk)) + 1
    return [(int(keys[g[0]]), g) for g in np.split(order, cuts)]


def _worst_case(d: ProblemData, pairs: IntArray, c: FloatArray) -> float:
    """Lowest value of ``sum c_k x_k`` over assignments of the pairs' accounts (at most one pair
    each, none allowed unless the account must be covered)."""
    acc = d.pair_account[pairs]
    low = np.full(d.n_accounts, np.inf)
    np.minimum.at(low, acc, c)
    free_to_skip = ~(d.policy.must_cover | (d.policy.pins >= 0))
    low[free_to_skip] = np.minimum(low[free_to_skip], 0.0)
    return float(low[np.isfinite(low)].sum())


def _pair_rows(rows: _Rows, space: Space, pairs: IntArray,
               used: FixedUse | None) -> dict[str, list[tuple[int, int]]]:  # fmt: skip
    """Account, capacity, account-limit and track-share rows over the pair columns."""
    d = space.data
    pol = d.policy
    out: dict[str, list[tuple[int, int]]] = {"cap": [], "count": [], "track": []}
    for a, pos in _by_key(d.pair_account[pairs]):
        lo = 1.0 if pol.must_cover or pol.pins[a] >= 0 else -INF
        rows.add(pos.tolist(), [1.0] * len(pos), lo, 1.0)
    for p, pos in _by_key(d.pair_partner[pairs]):
        eff = d.pair_effort[pairs[pos]]
        room = d.partner_capacity[p] - (used.cap[p] if used is not None else 0.0)
        if eff.sum() > room:
            out["cap"].append((p, rows.add(pos.tolist(), eff.tolist(), -INF, room)))
        limit = pol.max_accounts_per_partner
        if limit is not None:
            left = limit - (used.count[p] if used is not None else 0.0)
            if len(pos) > left:
                out["count"].append((p, rows.add(pos.tolist(), [1.0] * len(pos), -INF, left)))
    w = d.account_total_whitespace[d.pair_account[pairs]]
    for t, share in enumerate(pol.min_track_share):
        if share > 0:
            c = ((d.partner_track[d.pair_partner[pairs]] == t) - share) * w
            lo = -used.track[t] if used is not None else 0.0
            if _worst_case(d, pairs, c) >= lo:
                continue  # met whatever the columns take: a dense row HiGHS's cuts are slow on
            out["track"].append((t, rows.add(list(range(len(pairs))), c.tolist(), lo, INF)))
    return out


def solve_lp(
    space: Space,
    pairs: IntArray | None = None,
    *,
    time_limit: float = 60.0,
    backend: str = "glop",
    exact_specialists: bool = True,
    used: FixedUse | None = None,
    integer: bool = False,
    cancel: threading.Event | None = None,
    hint: Allocation | None = None,
    heuristic_effort: float | None = None,
) -> LPResult:
    """Solve the linear relaxation over ``pairs`` (default: every allowed pair).

    With ``exact_specialists=False`` every slot is valued at its best gain over the pairs (no g
    columns): smaller, no longer a relaxation, used only for multipliers on large problems.
    ``used`` shrinks the rows by what fixed accounts use (a neighbourhood model) and
    ``integer`` makes the pair and slot columns integral (a MIP for HiGHS, solved through
    ``solver.highs``: warm-started from ``hint``, the incumbent kept at the time limit, status
    "CANCELLED" with the incumbent on cancel). Setting ``cancel`` stops the build (status
    "CANCELLED") or interrupts GLOP; an LP solved by HiGHS ignores it. ``heuristic_effort`` is
    HiGHS's MIP heuristic effort.
    """
    pairs = space.cand if pairs is None else np.sort(pairs)
    try:
        return _build_and_solve(space, pairs, time_limit, backend, exact_specialists, used,
                                integer, cancel, hint, heuristic_effort)  # fmt: skip
    except _Cancelled:
        return _no_solution("CANCELLED", space, pairs, np.zeros(0, np.int64), 0.0)


def _build_and_solve(space: Space, pairs: IntArray, time_limit: float, backend: str,
                     exact_specialists: bool, used: FixedUse | None, integer: bool,
                     cancel: threading.Event | None,
                     hint: Allocation | None = None,
                     effort: float | None = None) -> LPResult:  # fmt: skip
    d = space.data
    t0 = time.monotonic()
    helper = mbh.ModelBuilderHelper()
    n_x = len(pairs)
    _add_vars(helper, np.zeros(n_x), np.ones(n_x))
    rows = _Rows(helper, cancel)
    dual_rows = _pair_rows(rows, space, pairs, used)
    obj_vars = list(range(n_x))
    obj_coef = space.coef[pairs].tolist()
    accounts = np.unique(d.pair_account[pairs])
    pk, sj = space.cross(accounts)
    inside = np.isin(pk, pairs)
    pk, sj = pk[inside], sj[inside]
    slots = np.unique(sj)
    spec_rows: list[tuple[int, int]] = []
    varying = np.zeros(0, np.int64)
    if len(slots):
        y0 = n_x
        _add_vars(helper, np.zeros(len(slots)), np.ones(len(slots)))
        col_of_pair = np.searchsorted(pairs, pk)
        y_of = np.searchsorted(slots, sj)
        gain = space.gain(pk, sj)
        gmax = space.slot_max_gain[slots]
        gmin = np.full(len(slots), np.inf)
        np.minimum.at(gmin, y_of, gain)
        gtop = np.zeros(len(slots))
        np.maximum.at(gtop, y_of, gain)
        varying = np.flatnonzero(gmin < gtop - 1e-9) if exact_specialists else np.zeros(0, int)
        const = np.setdiff1d(np.arange(len(slots)), varying)
        obj_vars += (y0 + const).tolist()
        obj_coef += gtop[const].tolist()
        g0 = y0 + len(slots)
        _add_vars(helper, np.zeros(len(varying)), gmax[varying])
        sel_all = np.flatnonzero(np.isin(y_of, varying))
        for n, (i, pos) in enumerate(_by_key(y_of[sel_all])):
            sel = sel_all[pos]
            rows.add([g0 + n, y0 + i], [1.0, -gtop[i]], -INF, 0.0)
            rows.add([g0 + n, *col_of_pair[sel].tolist()], [1.0, *(-gain[sel]).tolist()], -INF, 0.0)
        obj_vars += list(range(g0, g0 + len(varying)))
        obj_coef += [1.0] * len(varying)
        acc = space.slot_account[slots]
        line = d.specialist_line[space.slot_spec[slots]]
        x_acc = d.pair_account[pairs]
        for _key, pos in _by_key(acc * d.n_lines + line):
            a = int(acc[pos[0]])
            lo, hi = np.searchsorted(x_acc, [a, a + 1])
            xs = list(range(int(lo), int(hi)))
            rows.add((y0 + pos).tolist() + xs, [1.0] * len(pos) + [-1.0] * len(xs), -INF, 0.0)
        for s, pos in _by_key(space.slot_spec[slots]):
            cap = float(d.specialist_capacity[s]) - (used.spec[s] if used is not None else 0.0)
            if len(pos) > cap:
                spec_rows.append((s, rows.add((y0 + pos).tolist(), [1.0] * len(pos), -INF, cap)))
    helper.set_objective_coefficients(obj_vars, obj_coef)
    helper.set_maximize(True)
    # the limit counts from the call: the model build (0.1-0.2 s for a 1,800-account
    # neighbourhood alone, longer beside another thread) is part of the caller's time
    time_limit = max(0.01, time_limit - (time.monotonic() - t0))
    if integer:
        for v in range(n_x + len(slots)):
            helper.set_var_integrality(v, True)
        if backend == "highs":
            start = None if hint is None else _hint_values(space, pairs, slots, varying, hint)
            return _solve_mip(helper, time_limit, space, pairs, slots, cancel, start, effort)
    return _solve(helper, backend, time_limit, space, pairs, slots, dual_rows, spec_rows, cancel)


def _hint_values(space: Space, pairs: IntArray, slots: IntArray, varying: IntArray,
                 alloc: Allocation) -> FloatArray:  # fmt: skip
    """Column values (x, y, g) of ``alloc`` in the layout of ``_build_and_solve``."""
    d = space.data
    x = (alloc.partner[d.pair_account[pairs]] == d.pair_partner[pairs]).astype(float)
    on = np.zeros(d.n_accounts, bool)
    on[d.pair_account[pairs[x > 0]]] = True
    acc = space.slot_account[slots]
    spec = space.slot_spec[slots]
    y = (alloc.specialist[acc, d.specialist_line[spec]] == spec) & on[acc]
    g = np.zeros(len(varying))
    if len(varying):
        a = acc[varying]
        k = d.pair_index(a, np.maximum(alloc.partner[a], 0))
        ok = y[varying] & (k >= 0)
        g[ok] = space.gain(k[ok], slots[varying][ok])
    return np.concatenate([x, y.astype(float), g])


def _solve_mip(helper: mbh.ModelBuilderHelper, time_limit: float, space: Space, pairs: IntArray,
               slots: IntArray, cancel: threading.Event | None,
               hint: FloatArray | None, effort: float | None = None) -> LPResult:  # fmt: skip
    """A MIP by HiGHS through ``solver.highs``; no duals (a MIP has none)."""
    out = solve_mip(helper, time_limit, hint, cancel, effort)
    if out.values is None:
        return _no_solution(out.status, space, pairs, slots, out.wall_s)
    d = space.data
    n_x = len(pairs)
    zero_p = np.zeros(d.n_partners)
    return LPResult(
        status=out.status,
        objective=out.objective + space.constant,
        pairs=pairs,
        x=out.values[:n_x],
        slots=slots,
        y=out.values[n_x : n_x + len(slots)],
        cap_dual=zero_p,
        count_dual=zero_p.copy(),
        spec_dual=np.zeros(d.n_specialists),
        track_dual=np.zeros(len(d.policy.min_track_share)),
        wall_s=out.wall_s,
    )


def _no_solution(status: str, space: Space, pairs: IntArray, slots: IntArray,
                 wall_s: float) -> LPResult:  # fmt: skip
    """A result without values or prices (no solution, or cancelled)."""
    d = space.data
    empty = np.zeros(0)
    return LPResult(
        status,
        float("nan"),
        pairs,
        empty,
        slots,
        empty,
        np.zeros(d.n_partners),
        np.zeros(d.n_partners),
        np.zeros(d.n_specialists),
        np.zeros(len(d.policy.min_track_share)),
        wall_s,
    )


def _solve(
    helper: mbh.ModelBuilderHelper,
    backend: str,
    time_limit: float,
    space: Space,
    pairs: IntArray,
    slots: IntArray,
    dual_rows: dict[str, list[tuple[int, int]]],
    spec_rows: list[tuple[int, int]],
    cancel: threading.Event | None = None,
) -> LPResult:
    d = space.data
    t0 = time.monotonic()
    solver = mbh.ModelSolverHelper(backend)
    if backend == "highs":
        solver.set_solver_specific_parameters("log_to_console=false")  # no banner on stdout
    solver.set_time_limit_in_seconds(time_limit)
    done = stop_on_cancel(cancel, solver.interrupt_solve)
    try:
        solver.solve(helper)
    finally:
        done.set()
    status = solver.status().name
    cap = np.zeros(d.n_partners)
    count = np.zeros(d.n_partners)
    spec = np.zeros(d.n_specialists)
    track = np.zeros(len(d.policy.min_track_share))
    if not solver.has_solution():
        return _no_solution(status, space, pairs, slots, time.monotonic() - t0)
    values = np.asarray(solver.variable_values())
    duals = np.abs(np.asarray(solver.dual_values()))
    if backend != "glop" or len(duals) < helper.num_constraints():
        duals = np.zeros(helper.num_constraints())
    for target, key in ((cap, "cap"), (count, "count"), (track, "track")):
        for i, row in dual_rows[key]:
            target[i] = duals[row]
    for s, row in spec_rows:
        spec[s] = duals[row]
    n_x = len(pairs)
    return LPResult(
        status=status,
        objective=float(solver.objective_value()) + space.constant,
        pairs=pairs,
        x=values[:n_x],
        slots=slots,
        y=values[n_x : n_x + len(slots)],
        cap_dual=cap,
        count_dual=count,
        spec_dual=spec,
        track_dual=track,
        wall_s=time.monotonic() - t0,  # GLOP's own wall_time() reads 0 through model_builder
    )
