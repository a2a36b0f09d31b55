"""Partner-subset search: exact CP-SAT models over the accounts of a few partners at a time.

Each step picks a handful of partners, frees every account they hold (plus a few unassigned
accounts they could take) and solves exactly how those accounts are shared among those partners
only, with every other account and partner fixed, warm-started from the incumbent. The model is
tiny (tens of accounts, a few partners), so CP-SAT usually proves it optimal in milliseconds and
a step never makes the allocation worse. Every shift, swap and ejection chain among the chosen
partners is inside one such model, which is why this finds what a single exact model over the
whole problem misses in a few seconds on the hard GAP types (C, D, E with 10-80 partners).

Which partners go together is guided by the linear relaxation: a seed account where the
incumbent pays most against the LP prices (its chosen pair's reduced cost is lowest compared
with its best alternative), its partner, and the partners of that account's best alternatives
by reduced cost; the subset is topped up with partners drawn by the same rule from the accounts
they hold. The number of partners per step adapts: it grows while steps are proved optimal fast
and shrinks when they are not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

from solver.bound import lagrangian_bound, reduced_pair_values
from solver.cpsat.model import build, set_hint
from solver.cpsat.run import RunOutcome, run
from solver.cpsat.scaling import Scaling
from solver.focus import focused_space, lp_cover
from solver.lns import Guide, improve
from solver.lp import LPResult
from solver.problem import FloatArray, IntArray
from solver.result import Allocation
from solver.search import Search
from solver.separable import applies as tabu_applies
from solver.space import Space

MIN_PARTNERS = 2
MAX_PARTNERS = 12
STEP_LIMIT = 0.15  # seconds per sub-model: D-type subsets of 4 partners rarely prove sooner
FAST = 0.15  # a step proved optimal within this many seconds lets the subset grow
TABU_SHARE = 0.4  # of the time left: tabu search, then partner subsets, then the exact model
# earlier numpy tabu search (since removed): 0.15 / 0.45 against 0.35 / 0.25 (two alternating
# 10 s runs, load 2.9-3.2): d10100 +0.57-0.58 % against +0.80-0.88 %, d20100 +1.12 % against
# +1.26-1.29 %. The compiled search (solver.ejection) is stronger: 0.4 against 0.15 was as good
# or better on 8 of 8 (RESULTS.md)
PS_SHARE = 0.45
EXACT_SHARE = 0.6
PRUNED_MAX_PAIRS = 40_000
PRUNED_MAX_SHARE = 0.25  # of the allowed pairs: else the pruned model is no easier
# pair-separable problems: the exact model already ran on every pair; when fixing keeps more
# than this share it is the same model again (d20100: 2,000 of 2,000 pairs kept, 2.9 s, no
# gain), and the time goes to the tabu search and partner subsets instead
PRUNED_SKIP_SHARE = 0.9
EXTRA_UNASSIGNED = 8  # unassigned accounts offered to the chosen partners per step


class _Chooser:
    """Draws subsets of partners to re-optimise together, guided by LP reduced costs."""

    def __init__(self, search: Search, lp: LPResult | None) -> None:
        space = search.space
        d = space.data
        self.search = search
        self.rng = np.random.default_rng(search.params.seed + 7)
        k = space.cand
        price = np.zeros(len(d.pair_partner))
        if lp is not None and lp.has_prices:
            p = d.pair_partner
            price = lp.cap_dual[p] * d.pair_effort + lp.count_dual[p]
        # reduced value of each allowed pair (no account dual: compared within an account)
        self.red: FloatArray = space.coef - price
        self.cand_red = self.red[k]
        self.best_red = np.full(d.n_accounts, -np.inf)
        np.maximum.at(self.best_red, d.pair_account[k], self.cand_red)

    def _alternatives(self, account: int, count: int) -> IntArray:
        """Partners of the account's best pairs by reduced value."""
        space = self.search.space
        lo, hi = space.cand_start[account], space.cand_start[account + 1]
        ks = space.cand[lo:hi]
        top = ks[np.argsort(-self.red[ks], kind="stable")[:count]]
        return np.asarray(self.search.data.pair_partner[top], np.int64)

    def _seed_account(self, alloc: Allocation) -> int:
        """An account whose current pair loses most against its best alternative (drawn)."""
        d = self.search.data
        cur = np.full(d.n_accounts, -np.inf)
        a = np.flatnonzero(alloc.partner >= 0)
        k = d.pair_index(a, alloc.partner[a])
        cur[a[k >= 0]] = self.red[k[k >= 0]]
        cur[alloc.partner < 0] = 0.0  # none: its reduced value is 0
        loss = np.maximum(self.best_red - cur, 0.0)
        loss[~np.isfinite(loss)] = 0.0
        scale = float(loss.mean()) if loss.any() else 1.0
        w = loss + 0.25 * scale + 1e-12
        return int(self.rng.choice(d.n_accounts, p=w / w.sum()))

    def draw(self, alloc: Allocation, size: int, taken: set[int]) -> IntArray:
        """``size`` partners (fewer when the problem has fewer) not in ``taken``."""
        d = self.search.data
        chosen: list[int] = []
        tries = 0
        while len(chosen) < size and tries < 4 * size + 8:
            tries += 1
            if chosen and self.rng.random() < 0.5:
                # an account held by a chosen partner: its alternatives join
                held = np.flatnonzero(np.isin(alloc.partner, chosen))
                acc = int(self.rng.choice(held)) if len(held) else self._seed_account(alloc)
            else:
                acc = self._seed_account(alloc)
            options = [int(alloc.partner[acc])] if alloc.partner[acc] >= 0 else []
            options += self._alternatives(acc, 3).tolist()
            for p in options:
                if p not in taken and p not in chosen and len(chosen) < size:
                    chosen.append(p)
        if len(chosen) < min(size, d.n_partners - len(taken)):
            rest = np.setdiff1d(np.arange(d.n_partners), chosen + sorted(taken))
            more = self.rng.permutation(rest)[: size - len(chosen)]
            chosen += more.tolist()
        return np.array(sorted(chosen), np.int64)


def _free_accounts(search: Search, alloc: Allocation, partners: IntArray, rng: np.random.Generator
                   ) -> IntArray:  # fmt: skip
    """Accounts the partners hold plus a few unassigned ones they could take."""
    space, d = search.space, search.data
    held = np.flatnonzero(np.isin(alloc.partner, partners))
    open_ = alloc.partner < 0
    if not open_.any():
        return held
    k = space.cand[np.isin(d.pair_partner[space.cand], partners)]
    k = k[open_[d.pair_account[k]]]
    cands = np.unique(d.pair_account[k])
    if len(cands) > EXTRA_UNASSIGNED:
        cands = rng.choice(cands, EXTRA_UNASSIGNED, replace=False)
    return np.union1d(held, cands).astype(np.int64)


def _step(search: Search, sc: Scaling, base: Allocation, free: IntArray, partners: IntArray
          ) -> RunOutcome:  # fmt: skip
    """Exact sub-model: ``free`` accounts among ``partners`` (or none), the rest fixed."""
    sub = build(search.space, sc, free, base, keep=0, focus=partners)
    set_hint(sub, base)
    return run(sub, min(STEP_LIMIT, search.remaining()), 1, search.params.seed,
               cancel=search.cancel, extra={"linearization_level": 2})  # fmt: skip


def partner_search(search: Search, sc: Scaling, lp: LPResult | None, until: float) -> int:
    """Improve the incumbent by partner-subset steps until ``until`` seconds have elapsed
    (or the time limit, or cancellation); returns the number of steps.

    With two or more workers, disjoint subsets are solved side by side (CP-SAT releases the
    GIL); each improving part is offered alone and the union of all parts is offered when it
    passes the validator.
    """
    d = search.data
    if d.n_partners < 2 or search.best is None:
        return 0
    chooser = _Chooser(search, lp)
    rng = np.random.default_rng(search.params.seed + 11)
    lanes = max(1, min(search.params.workers, d.n_partners // MIN_PARTNERS))
    size = min(d.n_partners, 3)
    steps = 0
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        while not search.stopped() and search.elapsed() < until and search.best is not None:
            base = search.best
            taken: set[int] = set()
            jobs = []
            for _ in range(lanes):
                partners = chooser.draw(base, min(size, d.n_partners - len(taken)), taken)
                if len(partners) < MIN_PARTNERS:
                    break
                taken.update(partners.tolist())
                free = _free_accounts(search, base, partners, rng)
                if len(free) == 0:
                    continue
                jobs.append((free, pool.submit(_step, search, sc, base, free, partners)))
            if not jobs:
                break
            done = [(free, job.result()) for free, job in jobs]
            steps += len(done)
            parts = []
            for free, out in done:
                if out.allocation is not None and search.offer(out.allocation, check=False):
                    parts.append((free, out.allocation))
            if len(parts) > 1:
                merged = base.copy()
                for free, alloc in parts:
                    merged.partner[free] = alloc.partner[free]
                    merged.specialist[free] = alloc.specialist[free]
                search.offer(merged)
            fast = all(o.status == "OPTIMAL" and o.wall_s < FAST for _f, o in done)
            slow = any(o.status != "OPTIMAL" for _f, o in done)
            if fast:
                size = min(MAX_PARTNERS, d.n_partners, size + 1)
            elif slow:
                size = max(MIN_PARTNERS, size - 1)
    search.stats["ps_steps"] = steps
    search.stats["ps_size"] = size
    return steps


def pruned_space(space: Space, lp: LPResult, incumbent: Allocation, floor: float) -> Space:
    """The allowed pairs that an allocation better than ``floor`` could still use.

    Reduced-cost fixing with the relaxation's multipliers: the Lagrangian bound ``L`` holds for
    every allocation (``solver.bound``); an allocation that uses pair k is bounded by
    ``L - (best_a - r_k)``, where ``r_k`` is the pair's reduced value and ``best_a`` the best
    option of its account. A pair whose bound falls below ``floor`` (the incumbent's objective)
    cannot be in a better allocation, so dropping it keeps the model exact: its optimum is the
    optimum of the whole problem, and its bound is a bound of the whole problem. The incumbent's
    own pairs are always kept so it stays a valid hint.
    """
    d = space.data
    r = reduced_pair_values(space, lp.cap_dual, lp.count_dual, lp.spec_dual, lp.track_dual)
    forced = d.policy.must_cover | (d.policy.pins >= 0)
    best = np.where(forced, -np.inf, 0.0)
    acc = d.pair_account[space.cand]
    np.maximum.at(best, acc, r)
    bound = lagrangian_bound(space, lp)
    margin = 1e-7 * max(1.0, abs(floor))
    keep = bound - (best[acc] - r) >= floor - margin
    a = np.flatnonzero(incumbent.partner >= 0)
    k = d.pair_index(a, incumbent.partner[a])
    allowed = np.zeros_like(space.allowed)
    allowed[space.cand[keep]] = True
    allowed[k[k >= 0]] = True
    return space.within(allowed)


def pruned_model(
    search: Search, sc: Scaling, lp: LPResult, limit: float, max_pairs: float = float("inf")
) -> tuple[str, int]:
    """One exact CP-SAT model over the pairs reduced-cost fixing leaves (``pruned_space``),
    warm-started from the incumbent; returns CP-SAT's status and the number of pairs kept
    (status SKIPPED when more than ``max_pairs`` are left). Its bound is a bound of the whole
    problem (see ``pruned_space``)."""
    best = search.best
    if best is None or not lp.has_prices:
        return "UNKNOWN", 0
    space = pruned_space(search.space, lp, best, search.best_obj)
    if len(space.cand) > max_pairs:
        return "SKIPPED", len(space.cand)
    d = space.data
    free = np.arange(d.n_accounts, dtype=np.int64)
    sub = build(space, sc, free, Allocation.empty(d))
    set_hint(sub, best)
    prm = search.params
    out = run(sub, min(limit, search.remaining()), prm.workers, prm.seed, cancel=search.cancel,
              extra={"linearization_level": 2})  # fmt: skip
    if out.allocation is not None:
        search.offer(out.allocation, check=False)
    if out.status in ("OPTIMAL", "FEASIBLE"):
        slack = 0.0 if sc.value_exact else float(sub.n_terms)
        search.tighten((out.bound + slack) / sc.value + space.constant)
    return out.status, len(space.cand)


def _prices(lp: LPResult | None) -> FloatArray | None:
    """The LP's capacity prices as the tabu search's starting prices, when there are any."""
    return lp.cap_dual if lp is not None and lp.has_prices else None


@contextmanager
def tabu_alongside(search: Search, start: Allocation | None, lp: LPResult | None
                   ) -> Iterator[bool]:  # fmt: skip
    """Run the compiled tabu search (``solver.ejection``) from ``start`` in a thread while the
    body runs, then offer its best allocation. Yields whether it runs (only for pair-separable
    problems, a start, and two or more workers): then the body should use one worker fewer.
    Counts its runs in the stat ``alongside_runs``."""
    if start is None or search.params.workers < 2 or not tabu_applies(search.space):
        yield False
        return
    search.stats["alongside_runs"] = search.stats.get("alongside_runs", 0) + 1
    from solver.ejection import compiled_tabu  # numba: imported only where it runs (0.4-0.6 s)

    done = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(compiled_tabu, search.space, start, search.remaining(),
                          search.params.seed + 101, lambda: done.is_set() or search.stopped(),
                          prices=_prices(lp))  # fmt: skip
        try:
            yield True
        finally:
            done.set()
            out = job.result()
    if out is not None:
        search.offer(out)


def polish(
    search: Search,
    sc: Scaling,
    lp: LPResult | None,
    max_pairs: float = float("inf"),
    *,
    focus: bool = False,
) -> str:
    """Improve the incumbent until the time limit; returns the last exact model's status.

    Rounds of: tabu search (pair-separable problems, ``solver.ejection``), partner-subset steps,
    then the exact model over the pairs reduced-cost fixing leaves, which may prove the
    incumbent optimal. Each round gives the exact model a growing share of the time left.
    With ``focus`` the first round's tabu search starts from the LP's cover and keeps to each
    account's few best pairs at the LP's prices (``solver.focus``): on the 400-job D instances
    that ends lower than a search from the incumbent over every pair, which rarely gets out of
    the exact model's local optimum (bench/RESULTS.md, session 11).
    """
    status = "UNKNOWN"
    rounds = 0
    while not search.stopped() and search.best is not None:
        rounds += 1
        left = search.remaining()
        if tabu_applies(search.space):
            from solver.ejection import compiled_tabu  # see tabu_alongside

            space, start = search.space, search.best
            if focus and rounds == 1 and lp is not None and lp.ok and lp.has_prices:
                start = lp_cover(space, lp, search.best)
                space = focused_space(space, lp, [start, search.best])
            out = compiled_tabu(space, start, TABU_SHARE * left, search.params.seed
                                + rounds, stop=search.stopped, threads=search.params.workers,
                                prices=_prices(lp))  # fmt: skip
            if out is not None:
                search.offer(out)
        partner_search(search, sc, lp, search.elapsed() + PS_SHARE * left)
        if lp is None or not lp.has_prices or search.stopped():
            continue
        most = max_pairs
        if tabu_applies(search.space):  # else the tabu search does not take its time
            most = min(most, PRUNED_SKIP_SHARE * len(search.space.cand))
        status, kept = pruned_model(search, sc, lp, EXACT_SHARE * left, max_pairs=most)
        search.stats["pruned_pairs"] = kept
        if status in ("OPTIMAL", "INFEASIBLE"):
            break
    search.stats["polish_rounds"] = rounds
    return status


def large_search(search: Search, sc: Scaling, lp: LPResult | None,
                 guide: Guide | None = None,
                 choices: Callable[[], IntArray | None] | None = None) -> str:  # fmt: skip
    """Large problems: ``polish`` when the LP saw every pair and tabu search applies (the
    exact model over the pairs reduced-cost fixing leaves only runs when they are few:
    ``PRUNED_MAX_PAIRS``, ``PRUNED_MAX_SHARE``); else neighbourhood search (``lns.improve``).
    Measured on d60900 and d801600 (60 s, load 4-5): LNS for 40 % of the time then polish
    ended +0.574 % / -, 15 % then polish +0.500 % / +0.535 %, polish throughout +0.502 % /
    +0.459 % (LNS throughout: +0.750 % / +0.776 %). Returns the last exact model's status.
    ``guide`` runs the knapsack Lagrangian (``lns.Guide``: a bound, and the pairs its knapsacks
    take, which guide ``lns.improve``'s RINS chains): first here, for its bound. ``choices``
    guides neighbourhoods of ``lns.improve`` (``solver.spare_bound``)."""
    if lp is None or not lp.ok or not tabu_applies(search.space):
        improve(search, sc, lp, guide, choices)
        return "UNKNOWN"
    if guide is not None:
        guide.first()
    most = min(PRUNED_MAX_PAIRS, PRUNED_MAX_SHARE * len(search.space.cand))
    return polish(search, sc, lp, max_pairs=most)
