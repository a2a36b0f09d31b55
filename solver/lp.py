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

Built as one sparse matrix with numpy (``solver.lp_rows``), solved by GLOP (default)
or HiGHS. OR-Tools 9.15's HiGHS wrapper returns row activities from ``dual_values`` (checked on
a two-row LP), so with "highs" the duals are left at zero and only the objective is used.
``pairs`` may restrict the pair columns (large problems); the objective is then a bound only
for the restricted problem, so ``solver.bound`` turns the duals into a bound for the whole.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from solver.cancel import stop_on_cancel
from solver.highs import solve_mip
from solver.lp_rows import SparseRows, group_rows
from solver.problem import FloatArray, IntArray, ProblemData
from solver.result import Allocation
from solver.space import Space, ragged

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


def _no_rows() -> tuple[IntArray, IntArray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


@dataclass
class _DualRows:
    """The rows whose duals are prices: for each kind, the ids (partner, track or specialist)
    and their rows' indices."""

    cap: tuple[IntArray, IntArray] = field(default_factory=_no_rows)
    count: tuple[IntArray, IntArray] = field(default_factory=_no_rows)
    track: tuple[IntArray, IntArray] = field(default_factory=_no_rows)
    spec: tuple[IntArray, IntArray] = field(default_factory=_no_rows)


def _worst_case(d: ProblemData, pairs: IntArray, c: FloatArray) -> float:
    """Lowest value of ``sum c_k x_k`` over assignments of the pairs' accounts (at most one pair
    each, none allowed unless the account must be covered)."""
    acc = d.pair_account[pairs]
    low = np.full(d.n_accounts, np.inf)
    np.minimum.at(low, acc, c)
    free_to_skip = ~(d.policy.must_cover | (d.policy.pins >= 0))
    low[free_to_skip] = np.minimum(low[free_to_skip], 0.0)
    return float(low[np.isfinite(low)].sum())


def _pair_rows(rows: SparseRows, space: Space, pairs: IntArray,
               used: FixedUse | None) -> _DualRows:  # fmt: skip
    """Account, capacity, account-limit and track-share rows over the pair columns."""
    d = space.data
    pol = d.policy
    col = np.arange(len(pairs), dtype=np.int64)
    accounts, acc_row = group_rows(d.pair_account[pairs])
    covered = pol.must_cover | (pol.pins[accounts] >= 0)
    rows.block(acc_row, col, 1.0, np.where(covered, 1.0, -INF), 1.0, len(accounts))
    # per partner a capacity row, then an account-limit row, each only where its pairs could
    # break it
    partners, par_row = group_rows(d.pair_partner[pairs])
    n = len(partners)
    eff = d.pair_effort[pairs]
    room = d.partner_capacity[partners] - (used.cap[partners] if used is not None else 0.0)
    has_cap = np.bincount(par_row, weights=eff, minlength=n) > room
    left: FloatArray = np.zeros(n)
    has_count = np.zeros(n, bool)
    limit = pol.max_accounts_per_partner
    if limit is not None:
        left = limit - (used.count[partners] if used is not None else np.zeros(n))
        has_count = np.bincount(par_row, minlength=n) > left
    width = has_cap.astype(np.int64) + has_count
    cap_row = np.cumsum(width) - width
    count_row = cap_row + has_cap
    hi = np.zeros(int(width.sum()))
    hi[cap_row[has_cap]] = room[has_cap]
    hi[count_row[has_count]] = left[has_count]
    on_cap, on_count = has_cap[par_row], has_count[par_row]
    first = rows.block(
        np.concatenate([cap_row[par_row[on_cap]], count_row[par_row[on_count]]]),
        np.concatenate([col[on_cap], col[on_count]]),
        np.concatenate([eff[on_cap], np.ones(int(on_count.sum()))]),
        -INF,
        hi,
        len(hi),
    )
    out = _DualRows(
        cap=(partners[has_cap], first + cap_row[has_cap]),
        count=(partners[has_count], first + count_row[has_count]),
    )
    w = d.account_total_whitespace[d.pair_account[pairs]]
    tracks: list[int] = []
    track_rows: list[int] = []
    for t, share in enumerate(pol.min_track_share):
        if share > 0:
            c = ((d.partner_track[d.pair_partner[pairs]] == t) - share) * w
            lo = -used.track[t] if used is not None else 0.0
            if _worst_case(d, pairs, c) >= lo:
                continue  # met whatever the columns take: a dense row HiGHS's cuts are slow on
            tracks.append(t)
            track_rows.append(rows.block(np.zeros(len(pairs), np.int64), col, c, lo, INF, 1))
    out.track = (np.array(tracks, np.int64), np.array(track_rows, np.int64))
    return out


def _specialist_rows(rows: SparseRows, space: Space, pairs: IntArray, slots: IntArray,
                     varying: IntArray, y0: int, used: FixedUse | None,
                     cross: tuple[IntArray, IntArray, FloatArray, FloatArray],
                     ) -> tuple[IntArray, IntArray]:  # fmt: skip
    """The gain, account-line and specialist-capacity rows over the slot columns (``y`` from
    ``y0``, then ``g`` per ``varying`` slot); returns the capacity rows' specialists and rows.
    ``cross`` holds each (pair, slot) combination's pair column, slot index and gain, and each
    slot's highest gain."""
    d = space.data
    col_of_pair, y_of, gain, gtop = cross
    n_y, n_v = len(slots), len(varying)
    # per varying slot j: g_j <= gtop_j y_j, then g_j <= sum of its gains over the pairs' x
    sel = np.flatnonzero(np.isin(y_of, varying))
    gi = np.searchsorted(varying, y_of[sel])
    nv = np.arange(n_v, dtype=np.int64)
    g0 = y0 + n_y
    rows.block(
        np.concatenate([2 * nv, 2 * nv, 2 * nv + 1, 2 * gi + 1]),
        np.concatenate([g0 + nv, y0 + varying, g0 + nv, col_of_pair[sel]]),
        np.concatenate([np.ones(n_v), -gtop[varying], np.ones(n_v), -gain[sel]]),
        -INF,
        0.0,
        2 * n_v,
    )
    # per account and line: its slots' y at most the account's pairs' x
    acc = space.slot_account[slots]
    keys, key_row = group_rows(acc * d.n_lines + d.specialist_line[space.slot_spec[slots]])
    x_acc = d.pair_account[pairs]
    lo = np.searchsorted(x_acc, keys // d.n_lines)
    n_x = np.searchsorted(x_acc, keys // d.n_lines + 1) - lo
    xs = ragged(lo, n_x)
    rows.block(
        np.concatenate([key_row, np.repeat(np.arange(len(keys), dtype=np.int64), n_x)]),
        np.concatenate([y0 + np.arange(n_y, dtype=np.int64), xs]),
        np.concatenate([np.ones(n_y), -np.ones(len(xs))]),
        -INF,
        0.0,
        len(keys),
    )
    specs, spec_row = group_rows(space.slot_spec[slots])
    cap: FloatArray = d.specialist_capacity[specs].astype(np.float64)
    if used is not None:
        cap = cap - used.spec[specs]
    has = np.bincount(spec_row, minlength=len(specs)) > cap
    row: IntArray = np.cumsum(has, dtype=np.int64) - has
    on = has[spec_row]
    y = y0 + np.arange(n_y, dtype=np.int64)
    first = rows.block(row[spec_row[on]], y[on], 1.0, -INF, cap[has], int(has.sum()))
    return specs[has], first + row[has]


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
    if cancel is not None and cancel.is_set():
        raise _Cancelled
    n_x = len(pairs)
    accounts = np.unique(d.pair_account[pairs])
    pk, sj = space.cross(accounts)
    inside = np.isin(pk, pairs)
    pk, sj = pk[inside], sj[inside]
    slots = np.unique(sj)
    n_y = len(slots)
    col_of_pair = np.searchsorted(pairs, pk)
    y_of = np.searchsorted(slots, sj)
    gain = space.gain(pk, sj)
    gmin = np.full(n_y, np.inf)
    np.minimum.at(gmin, y_of, gain)
    gtop = np.zeros(n_y)
    np.maximum.at(gtop, y_of, gain)
    varying = np.flatnonzero(gmin < gtop - 1e-9) if exact_specialists else np.zeros(0, np.int64)
    n_g = len(varying)
    # columns: x per pair, y per slot (valued at its gain where that is the same whatever the
    # partner), g per varying slot (its gain, bounded by the rows)
    rows = SparseRows(n_x + n_y + n_g)
    dual_rows = _pair_rows(rows, space, pairs, used)
    if n_y:
        cross = (col_of_pair, y_of, gain, gtop)
        dual_rows.spec = _specialist_rows(rows, space, pairs, slots, varying, n_x, used, cross)
    y_value = gtop.copy()
    y_value[varying] = 0.0
    objective = np.concatenate([space.coef[pairs], y_value, np.ones(n_g)])
    upper = np.concatenate([np.ones(n_x + n_y), space.slot_max_gain[slots[varying]]])
    helper = mbh.ModelBuilderHelper()
    rows.fill(helper, np.zeros(n_x + n_y + n_g), upper, objective)
    helper.set_maximize(True)
    if cancel is not None and cancel.is_set():
        raise _Cancelled
    # the limit counts from the call: the model build is part of the caller's time
    time_limit = max(0.01, time_limit - (time.monotonic() - t0))
    if integer:
        for v in range(n_x + n_y):
            helper.set_var_integrality(v, True)
        if backend == "highs":
            start = None if hint is None else _hint_values(space, pairs, slots, varying, hint)
            return _solve_mip(helper, time_limit, space, pairs, slots, cancel, start, effort)
    return _solve(helper, backend, time_limit, space, pairs, slots, dual_rows, cancel)


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
    dual_rows: _DualRows,
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
    for target, (ids, at) in ((cap, dual_rows.cap), (count, dual_rows.count),
                              (track, dual_rows.track), (spec, dual_rows.spec)):  # fmt: skip
        target[ids] = duals[at]
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
