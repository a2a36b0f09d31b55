"""Column generation and diving for pair-separable problems (the GAP form).

The knapsack Lagrangian (``solver.knapsack_bound``) is the bound of a Dantzig-Wolfe master LP
whose columns are whole partner loads: one column per partner and set of accounts that fits
its capacity, valued at the sum of its pairs' values::

    max  sum_c v_c l_c  -  BIG sum_j s_j
    s.t. sum_{c holds j} l_c + s_j = 1   (<= 1 without s_j where account j need not be covered)
         sum_{c of partner i} l_c <= 1
         l >= 0

Its optimum equals the best knapsack Lagrangian bound, which on the hard GAP types is within
0.15 % of the optimum (d20100: 6,176.1 against 6,185), far closer than the LP over pairs. Its
columns are priced by the same knapsack DP: at the master's account duals ``u`` each partner's
best load is a column, worth adding when its value less ``u`` exceeds the partner's dual.

Diving: once no column improves the master, a column it uses is fixed (that partner takes
exactly those accounts: every column at 1, else the largest, or one drawn among the large ones
in later dives; the first dive fixes every column above one half at once, ``MAJORITY``), the
master is rebuilt over what is left, columns are generated again, and so on until every
partner is fixed. Each fixed column is a whole load that fits, so a dive ends in
an allocation that fits every capacity, or with a few accounts that no load took (the slacks
``s_j``; ``dive`` places them on their best partner, over capacity, and says how many), which
``column_dives`` does not offer.

Stabilisation (Wentges 1997): pricing at the master's duals alone zig-zags for hundreds of
rounds. Columns are priced at a point between the best Lagrangian multipliers so far (the
centre, first the knapsack stage's) and the master's duals; the centre moves wherever the
bound there is lower. When that point gives no column that improves the master, the master's
own duals are priced; when they give none either, the master is optimal.

Figures (2026-12-07, bench/RESULTS.md), 10 s solves: d20100 6,193-6,208 (best known 6,185;
the tabu search and partner subsets stop at 6,249-6,251), e20100 8,436 (the optimum; before
8,470), d20200 12,254 (12,238; before 12,328-12,341).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined]  # SWIG, no stubs

from solver.knapsack_bound import KnapsackDual, Knapsacks
from solver.problem import FloatArray, IntArray
from solver.result import Allocation
from solver.search import Search
from solver.separable import applies, dives_apply, knapsack_capacities
from solver.space import Space

SMOOTH = 0.8  # weight of the centre in the pricing point (Wentges)
REDUCED_EPS = 1e-6  # a column improves the master when its reduced value exceeds this
CLOSED = 1e-6  # relative gap between the master and the Lagrangian bound that ends pricing
NODE_CLOSED = 1e-4  # the same within a dive, once a column is fixed
TAKEN = 1.0 - 1e-6  # a column at or above this value in the master is fixed at once
DRAW_SHARE = 0.5  # later dives draw among the columns at this share of the largest or more
# the first dive fixes every column above this at once (no two share an account or a partner):
# a few nodes instead of one per partner, so it ends in a fraction of a largest-column dive's
# time, and it leaves more for that dive, which comes second. 10 s solves, two runs each
# (2026-12-07, with ROOT_SHARE 0.6; bench/RESULTS.md): d20200 12,238 (the best known) 4 times in
# 1.6 s where the largest-column dive took 4.4 s for 12,269; d20100 6,188 (best 6,185) against
# 6,193; e20200 gained nothing (its majority dive 23,257 at 10 s, 22,417 at 20 s)
MAJORITY = 0.5 + 1e-6  # strictly above one half, beyond the LP's tolerances
# where the dives run (``separable.dives_apply``): DIVE_MAX_PAIRS and DIVE_MAX_LOAD, set in
# ``solver.separable`` so that solve.py can tell without importing numba. Up to 20 x 200 GAP
# instances (4,000 pairs) the root converged in 0.7-2 s within a 10 s solve and a dive took
# 0.3-3 s; at 400 jobs no dive ended in time and the time was lost to polish. With 20 partners
# they gave d20100 6,193-6,208 against 6,249-6,251 and e20100 8,436 (the optimum) against
# 8,470. With more accounts a partner each column is a longer load: before the majority dive,
# d05100 (5 x 100) 6,367-6,371 with them against 6,359 without, e10100 (10 x 100) 11,593-11,594
# against 11,580 (10 s solves, 2026-12-07, bench/RESULTS.md). With the majority dive first, at
# 10 accounts a partner (10 x 100): e10100 11,577 (the optimum) 4 times against 11,588-11,593,
# d10100 6,357 4 times against 6,371-6,376; at 20 (10 x 200) d10200's root did not converge in
# time (12,472 against 12,461), and d05100 gave 6,359 against 6,356. A root not
# converged within ROOT_SHARE of the dives' time is abandoned and the time left goes to polish
# (e20200: 2.4-4.4 s). With the quick majority dive first, 0.6 (d20200's root 2.3 s and
# e20200's 2.9-3.2 s fit, at 0.3 neither did here; c20200, d20100, e20100 the same as at 0.3)
ROOT_SHARE = 0.6
SEED_STEPS = 100  # subgradient steps after each of which the best multipliers' loads seed the root
PRICED_OUT = 1e300  # multiplier of a fixed account: no knapsack takes it
# GLOP's presolve gave up on some masters (d10100, d10200, d20200: ABNORMAL after about 100
# rounds, even built afresh); without it they solve, only slower
NO_PRESOLVE = "use_preprocessing:false"


@dataclass
class _Pool:
    """Every column so far: partner, accounts (sorted), value."""

    partner: list[int] = field(default_factory=list)
    accounts: list[IntArray] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    keys: set[tuple[int, bytes]] = field(default_factory=set)

    def add(self, partner: int, accounts: IntArray, value: float) -> int:
        """The new column's index, or -1 when the pool has it already."""
        key = (partner, accounts.tobytes())
        if key in self.keys:
            return -1
        self.keys.add(key)
        self.partner.append(partner)
        self.accounts.append(accounts)
        self.value.append(value)
        return len(self.value) - 1


class ColumnDive:
    """The master LP over what a dive has not fixed yet (GLOP), its pricing by the knapsack
    DP, and the dives. Build with ``create``; ``dive`` runs one dive from the root."""

    def __init__(self, space: Space, ks: Knapsacks, center: FloatArray) -> None:
        d = space.data
        self.space, self.ks = space, ks
        self.n, self.m = d.n_accounts, d.n_partners
        forced = d.policy.must_cover | (d.policy.pins >= 0)
        self.forced = np.broadcast_to(forced, (self.n,)).copy()
        vmax = float(np.abs(ks.profit).max(initial=0.0))
        self.big = 1.0 + 2.0 * self.n * (vmax + 1.0)  # leaving an account out never pays
        self.center = center.copy()
        self.center_l = np.inf
        self.pool = _Pool()
        self.fixed: list[int] = []  # columns the dive took
        self.free_job = np.ones(self.n, np.bool_)
        self.free_partner = np.ones(self.m, np.bool_)
        self.fixed_value = 0.0
        self.rounds = 0
        self.x = np.zeros(0)
        self._loads: list[tuple[int, IntArray, float]] = []
        self._build()

    @classmethod
    def create(cls, space: Space, center: FloatArray | None = None,
               start: Allocation | None = None) -> ColumnDive | None:  # fmt: skip
        """The master over ``space`` with the columns of ``start`` (each partner's accounts)
        and the knapsacks' loads at ``center`` (account multipliers, such as the knapsack
        stage's best); None where the method does not apply: not pair-separable, or efforts
        and capacities the DP would have to scale (its loads might then not fit)."""
        d = space.data
        if not applies(space) or d.n_partners == 0 or len(space.cand) == 0:
            return None
        effort = d.pair_effort[space.cand]
        _cap, whole = knapsack_capacities(space)
        if not whole.all() or (effort != np.round(effort)).any():
            return None
        ks = Knapsacks(space, space.coef[space.cand])
        if not ks.ok:
            return None
        ks.allocate()
        u = np.zeros(d.n_accounts) if center is None else np.asarray(center, np.float64)
        dive = cls(space, ks, u)
        if start is not None:
            dive._add_allocation(start)
        dive.center_l = dive._price(u)
        for i, accounts, value in dive._loads:
            dive._new(i, accounts, value)
        return dive

    # the master -------------------------------------------------------------------------------

    def _build(self, parameters: str = "") -> None:
        """A new GLOP master over the free accounts and partners, with every pool column that
        uses only those (what is fixed is the constant ``fixed_value``)."""
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp.SetSolverSpecificParametersAsString(parameters)
        inf = self.lp.infinity()
        self.obj = self.lp.Objective()
        self.obj.SetMaximization()
        self.obj.SetOffset(self.fixed_value)
        self.job_row: dict[int, pywraplp.Constraint] = {}
        for j in np.flatnonzero(self.free_job).tolist():
            row = self.lp.Constraint(-inf, 1.0)
            if self.forced[j]:
                row.SetBounds(1.0, 1.0)
                slack = self.lp.NumVar(0.0, 1.0, "")
                row.SetCoefficient(slack, 1.0)
                self.obj.SetCoefficient(slack, -self.big)
            self.job_row[j] = row
        self.partner_row = {i: self.lp.Constraint(-inf, 1.0)
                            for i in np.flatnonzero(self.free_partner).tolist()}  # fmt: skip
        self.var: dict[int, pywraplp.Variable] = {}
        for c in range(len(self.pool.value)):
            self._column(c)

    def _column(self, c: int) -> None:
        """Column ``c`` into the master when its partner and accounts are all free."""
        pool = self.pool
        if not self.free_partner[pool.partner[c]] or not self.free_job[pool.accounts[c]].all():
            return
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        for j in pool.accounts[c].tolist():
            self.job_row[j].SetCoefficient(var, 1.0)
        self.partner_row[pool.partner[c]].SetCoefficient(var, 1.0)
        self.obj.SetCoefficient(var, pool.value[c])
        self.var[c] = var

    def _solve(self) -> tuple[float, FloatArray, FloatArray]:
        """The master's value and its duals (accounts, partners; 0 where fixed)."""
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            self._build(NO_PRESOLVE)
            status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"column master LP ended with status {status}")
        u, v = np.zeros(self.n), np.zeros(self.m)
        for j, row in self.job_row.items():
            u[j] = row.dual_value()
        for i, row in self.partner_row.items():
            v[i] = row.dual_value()
        return float(self.obj.Value()), u, v

    # columns ----------------------------------------------------------------------------------

    def _add_allocation(self, alloc: Allocation) -> None:
        """Each partner's accounts in ``alloc`` as a column, where they fit its capacity."""
        d = self.space.data
        a = np.flatnonzero(alloc.partner >= 0)
        k = d.pair_index(a, alloc.partner[a])
        if (k < 0).any():
            return
        for i in np.unique(alloc.partner[a]).tolist():
            mine = alloc.partner[a] == i
            if d.pair_effort[k[mine]].sum() <= d.partner_capacity[i]:
                self._new(i, np.sort(a[mine]), float(self.space.coef[k[mine]].sum()))

    def _new(self, partner: int, accounts: IntArray, value: float) -> bool:
        """A column into the pool and the master; False when the pool has it already."""
        c = self.pool.add(partner, accounts, value)
        if c >= 0:
            self._column(c)
        return c >= 0

    def seed(self, dual: KnapsackDual, floor: float, steps: int, deadline: float,
             stop: Callable[[], bool] | None = None) -> None:  # fmt: skip
        """Take ``steps`` more subgradient steps of ``dual`` (towards ``floor``), one at a time,
        and add every partner's load at the search's best multipliers after each (``run``
        leaves its knapsacks there) as a column: loads near the optimal face, so the root
        needs fewer rounds of the master (d20200: 0.96 s after 100 steps against 1.89 s)."""
        for _ in range(steps):
            if time.monotonic() > deadline or dual.finished or (stop is not None and stop()):
                break
            dual.run(floor, deadline - time.monotonic(), 1)
            for i, accounts, value in self._taken(dual.ks, np.arange(self.m)):
                self._new(i, accounts, value)

    def _taken(self, ks: Knapsacks, partners: IntArray) -> list[tuple[int, IntArray, float]]:
        """Each of ``partners``' load in ``ks``'s last evaluation: the accounts its knapsack
        took (sorted) and their value."""
        loads = []
        for i in partners.tolist():
            take = np.flatnonzero(ks.took[ks.start[i] : ks.start[i + 1]]) + ks.start[i]
            loads.append((i, np.sort(ks.item[take]), float(self.space.coef[ks.pair[take]].sum())))
        return loads

    def _price(self, u: FloatArray) -> float:
        """Solve every free partner's knapsack at account multipliers ``u`` (fixed accounts
        priced out); returns the Lagrangian bound, what is fixed included, and keeps each free
        partner's best load as a candidate column in ``self._loads``."""
        ks = self.ks
        ks.value(np.where(self.free_job, u, PRICED_OUT))
        self._loads = self._taken(ks, np.flatnonzero(self.free_partner))
        part = float(ks.part[self.free_partner].sum())
        return self.fixed_value + float(u[self.free_job & ks.has_pair].sum()) + part

    def _improving(self, u: FloatArray, v: FloatArray) -> int:
        """Add the candidate loads whose reduced value at the duals ``u``, ``v`` is positive."""
        added = 0
        for i, accounts, value in self._loads:
            reduced = value - float(u[accounts].sum()) - v[i]
            if reduced > REDUCED_EPS * max(1.0, abs(value)) and self._new(i, accounts, value):
                added += 1
        return added

    def generate(self, deadline: float, closed: float = CLOSED,
                 stop: Callable[[], bool] | None = None) -> float:  # fmt: skip
        """Columns until the master is within ``closed`` (relative) of the Lagrangian bound at
        the centre, no column improves it, the deadline, or ``stop`` (looked at every round: a
        cancel is answered within one master solve); returns the master's value (its solution
        in ``self.x``, by pool column)."""
        while True:
            self.rounds += 1
            z, u, v = self._solve()
            u = np.where(self.forced, u, np.maximum(u, 0.0))  # the bound needs u >= 0 there
            if time.monotonic() > deadline or (stop is not None and stop()):
                break
            improved = False
            for point in (SMOOTH * self.center + (1.0 - SMOOTH) * u, u):
                bound = self._price(point)
                if bound < self.center_l:
                    self.center, self.center_l = point.copy(), bound
                if self.center_l - z <= closed * max(1.0, abs(z)):
                    break  # nothing added this round: the solution read below is current
                if self._improving(u, v):
                    improved = True
                    break
            if not improved:  # closed, or the master's own duals price nothing new: optimal
                break
        self.x = np.zeros(len(self.pool.value))
        for c, var in self.var.items():
            self.x[c] = var.solution_value()
        return z

    # dives ------------------------------------------------------------------------------------

    def _restart(self) -> None:
        """Back to the root: nothing fixed; the columns stay."""
        self.fixed = []
        self.free_job[:] = True
        self.free_partner[:] = True
        self.fixed_value = 0.0
        self.center_l = np.inf
        self._build()

    def _fix(self, columns: list[int]) -> None:
        for c in columns:
            self.fixed.append(c)
            self.free_partner[self.pool.partner[c]] = False
            self.free_job[self.pool.accounts[c]] = False
            self.fixed_value += self.pool.value[c]
        self.center_l = np.inf  # the centre's bound changes with what is fixed
        self._build()

    def dive(self, deadline: float, stop: Callable[[], bool] | None = None,
             rng: np.random.Generator | None = None,
             majority: bool = False) -> tuple[Allocation, int] | None:  # fmt: skip
        """One dive from the root: generate, fix, repeat (module docstring); when no column is at
        1, with ``majority`` every column above ``MAJORITY`` is fixed (where none is, as below),
        with ``rng`` the column fixed is drawn, else it is the largest. Returns the allocation
        (accounts no fixed column holds placed on their best partner, capacity unchecked) and
        how many accounts that was; None when the deadline or ``stop`` came first."""
        if self.fixed:
            self._restart()
        while self.free_partner.any():
            self.generate(deadline, NODE_CLOSED if self.fixed else CLOSED, stop)
            if time.monotonic() > deadline or (stop is not None and stop()):
                return None
            x = self.x
            if x.max(initial=0.0) <= 1e-9:
                break  # the free partners take nothing more
            taken = np.flatnonzero(x >= TAKEN)
            if len(taken) == 0 and majority:
                taken = np.flatnonzero(x > MAJORITY)
            if len(taken) == 0 and rng is None:
                taken = np.array([int(np.argmax(x))])
            elif len(taken) == 0 and rng is not None:
                near = np.flatnonzero(x >= DRAW_SHARE * x.max())
                taken = np.array([int(rng.choice(near, p=x[near] / x[near].sum()))])
            self._fix(taken.tolist())
        return self._allocation()

    def _allocation(self) -> tuple[Allocation, int]:
        d = self.space.data
        alloc = Allocation.empty(d)
        for c in self.fixed:
            alloc.partner[self.pool.accounts[c]] = self.pool.partner[c]
        left = np.flatnonzero((alloc.partner < 0) & self.forced)
        for j in left.tolist():
            ks = self.space.cand[self.space.cand_start[j] : self.space.cand_start[j + 1]]
            alloc.partner[j] = d.pair_partner[ks[int(np.argmax(self.space.coef[ks]))]]
        return alloc, len(left)


def column_dives(search: Search, dual: KnapsackDual | None, share: float) -> int:
    """Dives (``ColumnDive``) for ``share`` of the time left: the first fixing every column
    above one half at each node, the second the largest column, the next ones drawing; each
    allocation that fits every rule is offered, and the root master's Lagrangian bound
    tightens the search's. ``dual``: the knapsack stage's subgradient search, whose best
    multipliers are the first centre and whose next ``SEED_STEPS`` steps seed the master.
    Returns the number of dives completed (0 where the method does not apply)."""
    if search.best is None or search.stopped() or not dives_apply(search.space):
        return 0
    deadline = time.monotonic() + share * search.remaining()
    center = dual.best_u if dual is not None else None
    dive = ColumnDive.create(search.space, center, search.best)
    if dive is None:
        return 0
    start = time.monotonic()
    root_end = start + ROOT_SHARE * (deadline - start)
    if dual is not None:
        dive.seed(dual, search.best_obj, SEED_STEPS, root_end, search.stopped)
    dive.generate(root_end, stop=search.stopped)
    # the Lagrangian bound at the centre holds for every allocation, converged or not
    bound = dive.center_l + search.space.constant
    search.tighten(bound + 1e-9 * max(1.0, abs(bound)))
    if time.monotonic() > root_end or search.stopped():
        search.stats["dives"] = 0  # the root alone took too long: the time goes back to polish
        return 0
    rng = np.random.default_rng(search.params.seed + 13)
    done = 0
    while time.monotonic() < deadline:
        out = dive.dive(deadline, search.stopped, rng if done > 1 else None, majority=done == 0)
        if out is None:
            break
        done += 1
        alloc, left = out
        if left == 0:
            search.offer(alloc)
    search.stats["dives"] = done
    search.stats["dive_columns"] = len(dive.pool.value)
    return done
