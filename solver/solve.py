"""Entry point: ``solve(data, params)`` runs the strategy and returns a ``Result``.

Strategy, all phases sharing one wall clock from the start of ``solve``:

1. name the conflicts that make the problem infeasible before any search (``infeasible``);
2. greedy baseline (kept as incumbent when it breaks no rule);
3. relaxation: the LP (GLOP) up to ``lp_max_pairs`` allowed pairs, priced subgradient
   multipliers above; either gives a proven bound (LP optimum, Lagrangian over all pairs) and
   shadow prices;
4. starts: LP rounding and fills ordered by value minus priced capacity at a few price
   scales; the best valid one is the incumbent (else a must-cover repair, ``lns.repair``);
5. small problems (``full_model_max_pairs``): one exact CP-SAT model, warm-started, for a
   quarter of the time, a tenth where the column dives run (from 1,000 pairs on with the
   compiled tabu search on one core beside it, ``local_search.tabu_alongside``), the knapsack
   stage, column generation dives on pair-separable problems of at most 10 accounts a partner
   (``column_dive.column_dives``, the tabu search beside them too), then
   ``local_search.polish``: tabu search where the objective is a sum over pairs (first from
   the LP's cover over each account's few best pairs, ``solver.focus``), exact sub-models
   over the accounts of a few partners, and the exact model over the pairs reduced-cost
   fixing leaves; larger ones: the same ``polish`` (without the focus) when the objective is
   a sum over pairs (``local_search.large_search``), else neighbourhood search
   (``lns.improve``), HiGHS MIPs or CP-SAT models over a few hundred free accounts, first RINS
   MIPs guided by the knapsack Lagrangian's choices (``_KnapsackGuide``) or by the LP's; where
   there was no LP, the core the HiGHS neighbourhoods leave idle tightens the bound meanwhile
   (``spare_bound.bound_alongside``), and its knapsacks' choices guide the neighbourhoods;
6. the objective is recomputed in float by ``solver.objective``; the bound is the tightest
   proven one (LP, Lagrangian, CP-SAT on the whole model, and the knapsack Lagrangian of
   ``solver.knapsack_bound``, which keeps partner capacity whole, after the exact model,
   before neighbourhood search or beside it) and never below the objective.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from solver.bound import lagrangian_bound
from solver.cpsat.model import build, set_hint
from solver.cpsat.run import run
from solver.cpsat.scaling import Scaling, choose_scaling
from solver.greedy import assign_specialists, fill_partners, greedy_space
from solver.infeasible import conflicts, diagnose
from solver.lagrange import priced_subgradient
from solver.lns import repair
from solver.local_search import large_search, polish, tabu_alongside
from solver.lp import LPResult, solve_lp
from solver.objective import evaluate
from solver.params import SolveParams
from solver.problem import IntArray, ProblemData
from solver.prune import promising_pairs
from solver.result import Allocation, Result, SolveStatus
from solver.search import ProgressFn, Search
from solver.separable import applies as tabu_applies
from solver.separable import dives_apply, uses_kernels
from solver.space import Space, build_space
from solver.spare_bound import bound_alongside

if TYPE_CHECKING:
    from solver.knapsack_bound import KnapsackDual  # numba: imported where it runs

SMALL_MODEL_PAIRS = 1_000
SPARE = 1  # CP-SAT workers the exact model leaves to the tabu search alongside it
FULL_MODEL_SHARE = 0.25  # then ``local_search.polish`` (tabu, partner subsets, pruned model)
# where the column dives run (``separable.dives_apply``) they need the time more than the
# exact model, which proves none of those problems but the easy A/B types: with a quarter, on a
# slow machine (2026-12-07, 20 s solves standing in for 10 s on one twice as fast) the roots of
# d20200 and e20200 did not fit their cap and no dive ended (12,336, 22,411); with a tenth
# their dives gave 12,254 and 22,386 (best known 12,238, 22,379)
DIVE_MODEL_SHARE = 0.1
HIGHS_LP_PAIRS = 10**12  # HiGHS LPs lose the duals the priced starts need: GLOP by default
# the knapsack Lagrangian (``_KnapsackGuide``) on small problems, between the exact model and
# polish: at most these seconds, share of the time left and steps (d20100: 300 steps in 0.1 s;
# d40400: 5 ms a step)
KNAPSACK_STAGE = (1.0, 0.1, 300)
# on large ones its first stage, before neighbourhood search, whose RINS chains it guides
# (``lns.Guide``; 5k channel: 300 steps in 1.3-2 s on one thread; 2026-12-07, on a machine where
# one thread took 2.0 s or stopped at the 2 s cap after 253, two threads took 1.4-1.7 s; with
# crowded weights thinned, 2026-12-08, one thread 0.9 s where it took 1.5 s), then slices of
# these on one thread while a guided MIP runs, up to this many steps in all
GUIDE_STAGE = (2.0, 0.25, 300)
SLICE_SECONDS, SLICE_STEPS, GUIDE_MAX_STEPS = 0.3, 60, 1500
# pair-separable small problems: column generation dives (``solver.column_dive``) after the
# knapsack stage, for this share of the time left, then polish
DIVE_SHARE = 0.8
OPTIMAL_GAP = 1e-6  # proven within this relative gap counts as optimal (integer scaling)


PRICE_SCALES = (0.3, 0.5, 0.65, 0.8, 1.0)
PRICE_SCALES_LARGE = (0.6, 0.8)  # each priced fill costs seconds at 50k accounts


def _starts(search: Search, lp: LPResult) -> Allocation | None:
    """Starts from the relaxation; every valid one is offered, the best is kept.

    LP rounding: pairs at one kept, the rest filled best pair first. Priced fills: pairs in order
    of value minus the multipliers' price of the capacity they use, at a few scales of the
    prices (under-converged multipliers overprice), then the rest best pair first.
    Returns the first start when none is valid (a repair start).
    """
    space = search.space
    d = space.data
    first: Allocation | None = None
    partners: list[np.ndarray] = []
    if lp.ok:
        partner = np.full(d.n_accounts, -1, np.int64)
        k = lp.pairs[lp.x >= 1 - 1e-6]
        partner[d.pair_account[k]] = d.pair_partner[k]
        partners.append(fill_partners(space, partner))
    pairs = None if lp.ok else lp.pairs
    p = d.pair_partner
    for scale in PRICE_SCALES if lp.ok else PRICE_SCALES_LARGE:
        if search.stopped():
            break
        priority = space.coef - scale * (lp.cap_dual[p] * d.pair_effort + lp.count_dual[p])
        partner = fill_partners(space, priority=priority, pairs=pairs)
        if search.stopped():
            break  # each fill takes seconds at 50,000 accounts: a cancel does not wait for two
        partners.append(fill_partners(space, partner))
    for partner in partners:
        if search.stopped() and search.best is not None:
            break  # cancelled: keep the incumbent rather than finish every start
        alloc = Allocation(partner, assign_specialists(space, partner))
        first = first or alloc
        search.offer(alloc)
    return first


def _lp_backend(search: Search) -> str:
    """The LP solver: GLOP for duals, HiGHS for speed on large must-cover problems."""
    choice = search.params.lp_backend
    if choice != "auto":
        return choice
    big = len(search.space.cand) > HIGHS_LP_PAIRS and search.data.policy.must_cover
    return "highs" if big else "glop"


def _relaxation(search: Search) -> LPResult | None:
    """LP (small problems) or subgradient multipliers (large); tightens the bound."""
    space = search.space
    lp = None
    if len(space.cand) <= search.params.lp_max_pairs:
        limit = max(1.0, 0.4 * search.remaining())
        lp = solve_lp(space, time_limit=limit, backend=_lp_backend(search), cancel=search.cancel)
        if lp.ok:
            search.tighten(lp.objective + 1e-7 * max(1.0, abs(lp.objective)))
        elif lp.status == "INFEASIBLE":
            return lp
    if (lp is None or not lp.ok) and search.stopped():
        return lp  # cancelled: no multipliers, the incumbent stands
    if lp is None or not lp.ok:
        # too large for the LP, or the LP ran out of time: multipliers by subgradient, which
        # watch the cancel event (three rounds took 13 s at 50,000 accounts)
        limit = min(12.0, 0.2 * search.remaining())
        lower = search.best_obj if search.best is not None else 0.0
        pairs = promising_pairs(space)
        if search.stopped():
            return lp  # a pass over every pair (1.5 s at 50,000 accounts): do not add rounds
        lp = priced_subgradient(space, pairs, lower, limit, stop=search.stopped)
    if lp.has_prices and not search.cancelled():
        # another pass over every pair (0.6 s at 50,000 accounts): a cancelled solve keeps
        # its allocation without this bound (gap unknown) rather than make the caller wait
        search.tighten(lagrangian_bound(space, lp))
    search.stats["lp_s"] = lp.wall_s
    return lp


def _full_model(
    search: Search, sc: Scaling, start: Allocation | None, limit: float, spare: int = 0
) -> str:
    """One exact CP-SAT model over every account, warm-started; returns CP-SAT's status.
    ``spare`` workers are left to a search running alongside."""
    space, prm = search.space, search.params
    free = np.arange(space.data.n_accounts, dtype=np.int64)
    sub = build(space, sc, free, Allocation.empty(space.data))
    if start is not None:
        set_hint(sub, start)

    def seen(obj: float, bound: float) -> None:
        del bound
        search.report_incumbent(obj / sc.value + space.constant)

    # one thread proves small models fastest on a busy 2-core machine (gap8/11/12: mean 0.41 s
    # against 1.10 s with two), so two threads only pay off on larger models
    workers = 1 if len(sub.x_pair) < SMALL_MODEL_PAIRS else max(1, prm.workers - spare)
    out = run(
        sub,
        min(limit, search.remaining()),
        workers,
        prm.seed,
        cancel=search.cancel,
        log=prm.log,
        on_solution=seen,
        extra={"linearization_level": 2},
    )
    if out.allocation is not None:
        search.offer(out.allocation, check=False)
    if out.status in ("OPTIMAL", "FEASIBLE"):
        slack = 0.0 if sc.value_exact else float(sub.n_terms)
        search.tighten((out.bound + slack) / sc.value + space.constant)
    return out.status


def _result(
    search: Search, status: SolveStatus, conflict: list[str], lp: LPResult | None, greedy_obj: float
) -> Result:
    d = search.data
    best = search.best if search.best is not None else Allocation.empty(d)
    obj = evaluate(d, best) if search.best is not None else float("nan")
    bound = search.bound
    if search.best is not None and bound < obj:
        bound = obj  # LP tolerances only: the gap is then reported as 0
    zeros_p, zeros_s = np.zeros(d.n_partners), np.zeros(d.n_specialists)
    return Result(
        status=status,
        objective=obj,
        bound=bound,
        runtime_s=search.elapsed(),
        allocation=best,
        partner_shadow_price=lp.cap_dual if lp is not None and lp.has_prices else zeros_p,
        specialist_shadow_price=lp.spec_dual if lp is not None and lp.has_prices else zeros_s,
        conflicts=tuple(conflict),
        greedy_objective=greedy_obj,
        stats=dict(search.stats),
    )


def _load_kernels() -> None:
    """Load the compiled kernels (``solver.compiled.warm``: numba's import and its disk cache,
    about 0.5-1 s in a new process) in a daemon thread while greedy and the LP run, instead of
    at their first use; nothing where ``solver.compiled`` is imported already: a load under way
    or done (the CLI, a solve worker's child or a benchmark called ``warm``) or an earlier solve
    that ran a kernel. A failure is left for that first use to raise."""
    if "solver.compiled" in sys.modules:  # not imported here: that imports numba
        return

    def work() -> None:
        try:
            from solver.compiled import warm

            warm()
        except Exception:  # the first real use raises it again, with its context
            logging.getLogger(__name__).debug("loading the compiled kernels failed", exc_info=True)

    threading.Thread(target=work, name="allot-solver-kernels", daemon=True).start()


class _KnapsackGuide:
    """The knapsack Lagrangian (``solver.knapsack_bound.KnapsackDual``), which keeps partner
    capacity whole and beats the LP's bound, as ``lns.Guide``: a first stage of at most
    ``stage`` (seconds, share of the time left, steps), then short slices from where it stopped
    while the guided RINS MIPs run; each tightens the bound and returns the knapsacks' choices at
    the best multipliers, and ``seen`` the pairs they took at any multipliers. It needs the LP's
    multipliers unless the problem is pair-separable."""

    def __init__(self, search: Search, lp: LPResult | None,
                 stage: tuple[float, float, int]) -> None:  # fmt: skip
        self.search, self.lp, self.stage = search, lp, stage
        self.dual: KnapsackDual | None = None

    def first(self) -> IntArray | None:
        """The first stage; None where the relaxation does not apply or is too large."""
        search, lp = self.search, self.lp
        if search.best is None or search.stopped():
            return None
        if not tabu_applies(search.space) and (lp is None or not lp.ok or not lp.has_prices):
            return None  # the module (numba) is not even imported
        from solver.knapsack_bound import KnapsackDual  # numba: see local_search.tabu_alongside

        self.dual = KnapsackDual.create(search.space, lp)
        seconds, share, steps = self.stage
        # nothing else runs yet: every worker's core takes a share of the knapsacks
        return self._run(min(seconds, share * search.remaining()), steps, search.params.workers)

    def refine(self) -> IntArray | None:
        """One more slice (``SLICE_SECONDS``, ``SLICE_STEPS``); None once the search has ended or
        taken ``GUIDE_MAX_STEPS``."""
        dual = self.dual
        if dual is None or dual.finished or dual.steps >= GUIDE_MAX_STEPS or self.search.stopped():
            return None
        return self._run(SLICE_SECONDS, SLICE_STEPS)

    def seen(self, limit: int) -> IntArray | None:
        """Up to ``limit`` pairs the knapsacks took at any multipliers so far, the most recently
        taken first (``KnapsackDual.seen_pairs``); None before the first stage."""
        return self.dual.seen_pairs(limit) if self.dual is not None else None

    def _run(self, seconds: float, steps: int, threads: int = 1) -> IntArray | None:
        search, dual = self.search, self.dual
        if dual is None or search.best is None:
            return None
        t0 = search.elapsed()
        out = dual.run(search.best_obj, seconds, steps, stop=search.cancelled, threads=threads)
        search.stats["knapsack_s"] = search.stats.get("knapsack_s", 0.0) + search.elapsed() - t0
        search.stats["knapsack_steps"] = out.iterations
        # float sums of pair values: a relative margin as for the LP's
        search.tighten(out.bound + 1e-9 * max(1.0, abs(out.bound)))
        return out.chosen


def _search(search: Search, lp: LPResult | None, start: Allocation | None) -> str:
    """Phase 5: the exact model (small problems), then polish or neighbourhood search."""
    sc = choose_scaling(search.space)
    cp_status = "UNKNOWN"
    small = len(search.space.cand) <= search.params.full_model_max_pairs
    dives = small and dives_apply(search.space)
    if small and not search.stopped():
        # the exact model proves easy small problems at once; when it has not, tabu search,
        # partner subsets and the model over the pairs reduced-cost fixing leaves take over
        share = max(1.0, (DIVE_MODEL_SHARE if dives else FULL_MODEL_SHARE) * search.remaining())
        # the compiled tabu search runs on the other core meanwhile (``tabu_alongside``), but
        # not beside the one-worker model below SMALL_MODEL_PAIRS: with the thread, gap1-12
        # had 55/60 proved within 1 s against 57/60 without it (back to back, load 4.1-4.5)
        beside = len(search.space.cand) >= SMALL_MODEL_PAIRS
        with tabu_alongside(search, start if beside else None, lp) as alongside:
            cp_status = _full_model(search, sc, start, share, spare=int(alongside) * SPARE)
    if cp_status not in ("OPTIMAL", "INFEASIBLE") and not search.stopped():
        if search.best is None:
            repair(search, sc, start)
        if search.best is not None and small:
            guide = _KnapsackGuide(search, lp, KNAPSACK_STAGE)
            guide.first()  # its bound, and the subgradient search the column dives go on from
            if dives:
                from solver.column_dive import column_dives  # numba: see _KnapsackGuide.first

                # the dives solve one master LP at a time, on one core: the compiled tabu search
                # takes the other meanwhile (e20200, whose root does not fit its cap on a slow
                # machine: 22,428 twice against 22,446 twice, 2026-12-07)
                with tabu_alongside(search, search.best, lp):
                    column_dives(search, guide.dual, DIVE_SHARE)
            cp_status = polish(search, sc, lp, focus=True)
        elif search.best is not None:
            guide = _KnapsackGuide(search, lp, GUIDE_STAGE)
            with bound_alongside(search, lp) as spare:  # the core the HiGHS MIPs leave idle
                choices = spare.choices if spare is not None else None
                cp_status = large_search(search, sc, lp, guide, choices)
    return cp_status


def _status(search: Search, cp_status: str) -> SolveStatus:
    if search.best is None:
        return SolveStatus.INFEASIBLE if cp_status == "INFEASIBLE" else SolveStatus.UNKNOWN
    if cp_status == "OPTIMAL":
        return SolveStatus.OPTIMAL  # exact model; inexact scaling errs by < 1e-7 per coefficient
    if math.isfinite(search.bound) and search.bound - search.best_obj <= OPTIMAL_GAP * max(
        1.0, abs(search.bound)
    ):
        return SolveStatus.OPTIMAL
    return SolveStatus.FEASIBLE


def solve(
    data: ProblemData,
    params: SolveParams | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    space: Space | None = None,
) -> Result:
    """Best allocation found within the time limit, with a proven bound and the gap to it.

    ``space`` is ``build_space(data)`` when the caller has built it already (the solve worker
    does, for the explanations' shortlist): building it again costs seconds at 50,000 accounts.
    """
    params = params or SolveParams()
    space = build_space(data) if space is None else space
    search = Search(data, space, params, progress, cancel, time.monotonic())
    if uses_kernels(space):
        _load_kernels()
    named = conflicts(search.space)
    if named:
        return _result(search, SolveStatus.INFEASIBLE, named, None, float("nan"))
    g = greedy_space(search.space)
    greedy_obj = evaluate(data, g)
    search.offer(g)
    search.stats["greedy_s"] = search.elapsed()
    lp = _relaxation(search) if not search.stopped() else None
    if lp is not None and lp.status == "INFEASIBLE":
        return _result(search, SolveStatus.INFEASIBLE, diagnose(data), lp, greedy_obj)
    start = search.best
    if lp is not None and lp.has_prices:
        first = _starts(search, lp)
        start = search.best or first
    search.stats["start_s"] = search.elapsed()
    # the scaling scans every allowed pair (1.8 s at 50,000 accounts): not after a cancel
    cp_status = _search(search, lp, start) if not search.stopped() else "UNKNOWN"
    status = _status(search, cp_status)
    conflict: list[str] = []
    if status == SolveStatus.INFEASIBLE:
        small = len(search.space.cand) <= params.lp_max_pairs
        conflict = diagnose(data) if small else ["no allocation meets all rules together"]
    return _result(search, status, conflict, lp, greedy_obj)
