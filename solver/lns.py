"""Large neighbourhood search with CP-SAT: repair to feasibility, then improve.

Each step frees a neighbourhood of accounts, keeps every other account as it is, and solves the
exact sub-model (``solver.cpsat.model``) warm-started from the incumbent, so a step never makes
the allocation worse. Neighbourhoods:

* partners: all accounts of a few partners that compete for the same accounts (for the GAP every
  partner competes with every other), plus unassigned accounts they could take;
* relaxation: accounts where the LP solution disagrees with the incumbent, plus random ones;
* random accounts.

The neighbourhood size adapts: it grows while sub-models are solved to optimality within their
time slice and shrinks when they are not.

Without must-cover the neighbourhoods are HiGHS MIPs (``solver.highs``, warm-started from the
incumbent), and when the LP was solved a relaxation-induced neighbourhood (``_Rins``: every
account where the LP is fractional or disagrees with the incumbent, plus the accounts the LP is
nearly indifferent about, with their best pairs by value and by LP reduced value) runs first,
as one larger HiGHS MIP in a background thread; with two workers two such MIPs of different
sizes run side by side, each restarting from the incumbent when it returns, and the
neighbourhoods come after them (``improve``). Where the knapsack Lagrangian runs
(``solver.knapsack_bound``; ``Guide``), its knapsacks' choices replace the LP's: guided RINS
frees the accounts they place elsewhere than the incumbent, with those choices as pairs.
Where there is no LP, the knapsacks run in a thread beside the search
(``solver.spare_bound``) and, once they are there, their choices guide the neighbourhoods
(``_guided_step``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from solver.bound import reduced_pair_values
from solver.cpsat.model import _restrict, build, set_hint
from solver.cpsat.run import RunOutcome, run
from solver.cpsat.scaling import Scaling
from solver.lp import FixedUse, LPResult, solve_lp
from solver.problem import FloatArray, IntArray
from solver.result import Allocation
from solver.search import Search
from solver.space import Space

log = logging.getLogger(__name__)
MIN_FREE = 8
REPAIR_WHOLE = 300  # up to this many accounts a repair may free every account
CPSAT_SLICE = 0.3  # CP-SAT neighbourhoods: short slices, many steps
SCHEDULE = (0, 0, 0, 0, 0, 1, 2, 3)  # 0/1 partners, 2 random, 3 relaxation
KEEP_PAIRS = 16  # pairs per free account in a neighbourhood (plus its current one)
RINS_MAX_FREE = 3_000  # larger relaxation-induced neighbourhoods: HiGHS's root alone is too slow
RINS_MIN_S = 3.0  # HiGHS's root cuts on ~1,000 accounts take seconds: no RINS with less time
# HiGHS's heuristic effort in RINS: on the 5k channel's 950-account neighbourhood its sub-MIP
# heuristic first ran after the root cuts (6-12 s under load) with the default 0.05; with 0.3 it
# found that solution sooner and a better one after it
RINS_EFFORT = 0.3
RINS_MARGIN_S = 0.3  # HiGHS overruns its time limit a little
RINS_KEEP = 2  # best pairs by value per account in the first RINS model
RINS_RC_KEEP = 2  # and best pairs by LP reduced value, plus its current one and the LP's
# accounts in RINS: besides those where the LP disagrees with the incumbent, the accounts whose
# best two options (pairs or none) are closest in LP reduced value, up to a share of all.
# 5k channel, seed 0, from the starts' incumbent (30.253e9), one HiGHS MIP, load 3-4.5: the
# 950 disagreeing accounts with 3 best pairs each gave 30.531e9 (optimal in it, 5.6 s); 2,565
# accounts with 2 + 2 pairs 30.630e9 after 4.7 s (30.632e9 optimal, 11.7 s); every account
# with 2 + 2 pairs found nothing in 6 s (HiGHS's root alone takes longer). In the 10 s solve
# (load 3-3.4) 1,500 accounts (0.3) ended in 6.1-6.3 s each time; 2,000 (0.4) once in 7.2 s and
# once not before the deadline (no gain at all); 2,500 not in time.
# Quiet (load < 1.3, 2026-11-23), where the first 1,500-account MIP returns by 2.6 s: one chain
# of 0.3 gave 0.99705-0.99708 of HiGHS 300 s; two chains side by side, 0.3 and 0.5 (one a core):
# 0.99722 x3, 0.99734 x3; 0.3 + 0.4 0.99708, 0.3 + 0.6 0.99705, 0.35 + 0.5 0.99722
# (bench/RESULTS.md)
RINS_SHARES = (0.3, 0.5)  # of the accounts (at most RINS_MAX_FREE), one chain per worker
RINS_POLL_S = 0.05  # how often the chains are looked at
# pairs by value per account besides the guide's and the incumbent's in the first MIP of the
# first guided chain (then doubled, from 1): 5k channel, 10 s, three runs each (session 5,
# beside the second chain of then): 0 gave 0.99975-0.99984 of HiGHS 300 s, 1 0.99938-0.99972
GUIDE_KEEP = 0
# a guided MIP from an incumbent it improved before took 0.5-0.7 s (5k channel): it starts with
# less time left than RINS_MIN_S
GUIDE_MIN_S = 1.0
# the second guided chain (``_rins_chains``) frees every account over the pairs the knapsacks
# took at any multipliers so far (``Guide.seen``), the most recent first, up to SEEN_PAIRS times
# as many as the latest choices hold, SEEN_GROWTH times as many in each next run (on the 5k
# channel the first run takes the rest of the 10 s). 5k channel, 10 s, seeds 0-4, of HiGHS
# 300 s (three runs each): 0.99992-0.99995 / 0.99989 / 0.99963-0.99968 / 1.00003 /
# 0.99949-0.99976, where before it (a chain over every account with the latest choices and one
# pair by value, once refining ended; one run each) 0.99985 / 0.99945 / 0.99917 / 0.99623 /
# 0.99960; 2 instead of 3 gave 0.99994 / 0.99973 / 0.99984 on seeds 0-2, 5 0.99996 / 0.99993 /
# 0.99917 (bench/RESULTS.md)
SEEN_PAIRS = 3.0
SEEN_GROWTH = 1.5
COMBINE_MIN_S = 0.05  # no merging of two chains' allocations (``_combine``) with less time left
# guided neighbourhoods where the knapsack Lagrangian runs beside the search
# (``solver.spare_bound``, 50,000 accounts): accounts some knapsack takes to a partner other than
# the incumbent's, with the knapsacks' pairs. 50k channel, seed 0, from a 60 s solve's
# allocation (480.26e9) and the choices after 450 subgradient and 60 knapsack steps, one HiGHS
# MIP at a time: 1,000 accounts optimal in 0.7 s, +0.05e9-0.12e9 each; 1,500 in 1.5-1.9 s,
# +0.10e9-0.15e9; 2,000 in 2.9-4.2 s; seven in a row 481.00e9 after 13 s, where the
# neighbourhood search gains about 0.02e9 a second at that stage. With the accounts the
# incumbent assigns and no knapsack takes added (11,100 accounts instead of 6,300; they may be
# dropped to make room), eight MIPs of 1,200 accounts from 480.79e9: 481.05e9 after 4.7 s,
# against 480.85e9 after 8.4 s without them
GUIDED_ACCOUNTS = 1_000  # the first guided neighbourhood's size; it adapts like the others
GUIDED_SLICE = 3.0
GUIDED_FAST = 1 / 3


def _sub_solve(
    search: Search,
    sc: Scaling,
    free: IntArray,
    base: Allocation,
    time_limit: float,
    workers: int | None = None,
    focus: IntArray | None = None,
    keep: int | None = KEEP_PAIRS,
) -> RunOutcome:
    """Solve the sub-model over ``free`` with the rest of ``base`` fixed, hinted by ``base``."""
    prm = search.params
    sub = build(search.space, sc, free, base, keep=keep, focus=focus)
    set_hint(sub, base)
    return run(
        sub,
        min(time_limit, search.remaining()),
        prm.workers if workers is None else workers,
        prm.seed,
        cancel=search.cancel,
        log=False,
        extra={"linearization_level": 2},
    )


def _sub_mip(search: Search, free: IntArray, base: Allocation, time_limit: float,
             focus: IntArray | None = None, keep: int = KEEP_PAIRS,
             support: IntArray | None = None,
             effort: float | None = None) -> RunOutcome:  # fmt: skip
    """The same neighbourhood as an exact MIP for HiGHS (strong on knapsack-like capacity rows).

    Each free account keeps its ``keep`` best pairs, its current one, its pairs with the
    ``focus`` partners and the ``support`` pairs (for example those the LP uses)."""
    space = search.space
    d = space.data
    pairs = space.cand_of(free)
    if len(pairs) > keep * len(free):
        kept = _restrict(space, pairs, base, keep, focus)
        if support is not None:
            kept = np.union1d(kept, np.intersect1d(pairs, support))
        pairs = kept
    used = FixedUse.of(space, base, free)
    res = solve_lp(space, pairs, time_limit=max(0.05, min(time_limit, search.remaining())),
                   backend="highs", used=used, integer=True, cancel=search.cancel,
                   hint=base, heuristic_effort=effort)  # fmt: skip
    if len(res.x) == 0:
        return RunOutcome(res.status, None, float("-inf"), float("inf"), res.wall_s)
    out = base.copy()
    out.partner[free] = -1
    out.specialist[free] = -1
    k = res.pairs[res.x > 0.5]
    out.partner[d.pair_account[k]] = d.pair_partner[k]
    ys = res.slots[res.y > 0.5]
    spec = space.slot_spec[ys]
    out.specialist[space.slot_account[ys], d.specialist_line[spec]] = spec
    return RunOutcome(res.status, out, res.objective, float("inf"), res.wall_s)


def repair(search: Search, sc: Scaling, start: Allocation | None) -> None:
    """Turn a (possibly infeasible) start into a feasible allocation.

    Frees the accounts that must be placed plus random others and asks CP-SAT for any feasible
    completion, doubling the number of others after each failure up to a third of the problem
    (the whole of a small one: a full model of a large one rarely finds anything in time), then
    retrying fresh draws of that size until the time is up.
    """
    d = search.data
    rng = np.random.default_rng(search.params.seed + 1)
    base = start.copy() if start is not None else Allocation.empty(d)
    _drop_overload(search, base)
    must = d.policy.must_cover | (d.policy.pins >= 0)
    missing = np.flatnonzero(must & (base.partner < 0))
    others = np.setdiff1d(np.arange(d.n_accounts), missing)
    top = len(others) if d.n_accounts <= REPAIR_WHOLE else len(others) // 3
    size = min(top, max(MIN_FREE, 2 * len(missing)))
    while not search.stopped():
        extra = rng.choice(others, size=min(len(others), size), replace=False)
        free = np.union1d(missing, extra).astype(np.int64)
        full = len(free) >= d.n_accounts
        slice_s = search.remaining() if full else max(1.0, 0.15 * search.remaining())
        out = _sub_solve(search, sc, free, base, slice_s, keep=None)  # every pair: feasibility
        log.debug("repair missing %d free %d %s %.2fs", len(missing), len(free), out.status,
                  out.wall_s)  # fmt: skip
        if out.allocation is not None:
            search.offer(out.allocation, check=False)
            return
        if full and out.status == "INFEASIBLE":
            return
        size = min(top, size * 2)


def _drop_overload(search: Search, alloc: Allocation) -> None:
    """Unassign accounts from partners over capacity or account limit (largest effort first)."""
    d = search.data
    a = np.flatnonzero(alloc.partner >= 0)
    k = d.pair_index(a, alloc.partner[a])
    bad = a[(k < 0) | ~search.space.allowed[np.maximum(k, 0)]]
    alloc.partner[bad] = -1
    a = np.flatnonzero(alloc.partner >= 0)
    k = d.pair_index(a, alloc.partner[a])
    order = np.argsort(d.pair_effort[k], kind="stable")
    a, k = a[order], k[order]
    load = np.zeros(d.n_partners)
    count = np.zeros(d.n_partners, np.int64)
    limit = d.policy.max_accounts_per_partner
    for acc, kk in zip(a.tolist(), k.tolist(), strict=True):
        p = int(d.pair_partner[kk])
        e = float(d.pair_effort[kk])
        if load[p] + e > d.partner_capacity[p] + 1e-9 or (limit is not None and count[p] >= limit):
            alloc.partner[acc] = -1
            continue
        load[p] += e
        count[p] += 1
    alloc.specialist[alloc.partner < 0] = -1


class _Neighbourhoods:
    """Draws sets of accounts to free around the incumbent."""

    def __init__(self, search: Search, lp: LPResult | None) -> None:
        self.search = search
        self.rng = np.random.default_rng(search.params.seed)
        d = search.data
        self.lp_pair = np.full(d.n_accounts, -1, np.int64)
        if lp is not None and lp.has_prices and len(lp.x):
            big = lp.x > 0.5
            self.lp_pair[d.pair_account[lp.pairs[big]]] = d.pair_partner[lp.pairs[big]]
        best = np.zeros(d.n_accounts)
        k = search.space.cand
        np.maximum.at(best, d.pair_account[k], np.maximum(search.space.coef[k], 0.0))
        best += 1e-9 + best.mean() * 0.1
        self.weight = best / best.sum()
        self.lp_frac = np.zeros(d.n_accounts, bool)
        self.lp_support = np.zeros(0, np.int64)
        if lp is not None and lp.has_prices and len(lp.x):
            self.lp_support = lp.pairs[lp.x > 1e-6]
            frac = (lp.x > 1e-6) & (lp.x < 1 - 1e-6)
            self.lp_frac[d.pair_account[lp.pairs[frac]]] = True
        self.lp = lp
        self._reduced: tuple[IntArray, FloatArray] | None = None

    def reduced(self) -> tuple[IntArray, FloatArray]:
        """The LP's best ``RINS_RC_KEEP`` pairs of every account by reduced value, and each
        account's margin: its best option (a pair, or none when not forced) less its second
        best; a small margin means the LP is nearly indifferent (computed once, on demand)."""
        if self._reduced is not None:
            return self._reduced
        space = self.search.space
        d = space.data
        lp = self.lp
        assert lp is not None
        r = reduced_pair_values(space, lp.cap_dual, lp.count_dual, lp.spec_dual, lp.track_dual)
        full = _scatter(space, r)
        ks, rank = space.ranked(full)
        acc = d.pair_account[ks]
        rv = full[ks]
        top = np.full(d.n_accounts, -np.inf)
        second = np.full(d.n_accounts, -np.inf)
        top[acc[rank == 0]] = rv[rank == 0]
        second[acc[rank == 1]] = rv[rank == 1]
        forced = d.policy.must_cover | (d.policy.pins >= 0)
        none = np.where(forced, -np.inf, 0.0)  # leaving the account unassigned
        best = np.maximum(top, none)
        runner = np.where(top >= none, np.maximum(second, none), top)
        margin = best - runner
        margin[~np.isfinite(margin)] = np.inf
        self._reduced = (ks[rank < RINS_RC_KEEP], margin)
        return self._reduced

    def partners(self, alloc: Allocation, size: int) -> tuple[IntArray, IntArray]:
        """Accounts of a few competing partners, plus unassigned accounts they could take;
        returns the accounts and the partners."""
        d, space, rng = self.search.data, self.search.space, self.rng
        seed_acc = int(rng.choice(d.n_accounts, p=self.weight))
        rivals = d.pair_partner[
            space.cand[space.cand_start[seed_acc] : space.cand_start[seed_acc + 1]]
        ]
        if len(rivals) == 0:
            return self.random(size), np.zeros(0, np.int64)
        chosen: list[int] = []
        free: set[int] = set()
        order = rng.permutation(rivals)
        assigned = alloc.partner
        for p in order.tolist():
            mine = np.flatnonzero(assigned == p)
            chosen.append(p)
            free.update(mine.tolist())
            if len(free) >= size:
                break
        out = np.fromiter(free, np.int64, len(free))
        if len(out) > size:
            out = rng.choice(out, size, replace=False)
        room = max(size - len(out), len(out) // 2)
        if room > 0:
            k = space.cand[np.isin(d.pair_partner[space.cand], chosen)]
            k = k[assigned[d.pair_account[k]] < 0]
            if len(k):
                # the unassigned accounts worth most per unit of effort to these partners,
                # drawn from the best twice as many as there is room for
                score = space.coef[k] / np.maximum(d.pair_effort[k], 1e-9)
                best = np.zeros(d.n_accounts)
                np.maximum.at(best, d.pair_account[k], score)
                cands = np.unique(d.pair_account[k])
                top = cands[np.argsort(-best[cands])[: 2 * room]]
                out = np.union1d(out, rng.choice(top, min(room, len(top)), replace=False))
        return out.astype(np.int64), np.array(chosen, np.int64)

    def relaxation(self, alloc: Allocation, size: int) -> IntArray:
        """Accounts where the LP disagrees with the incumbent, topped up at random."""
        differ = np.flatnonzero((self.lp_pair != alloc.partner) | self.lp_frac)
        if len(differ) > size:
            return np.sort(self.rng.choice(differ, size, replace=False))
        return np.union1d(differ, self.random(size - len(differ)))

    def random(self, size: int) -> IntArray:
        """Accounts drawn uniformly."""
        n = self.search.data.n_accounts
        return np.sort(self.rng.choice(n, min(size, n), replace=False)).astype(np.int64)


def _scatter(space: Space, r: FloatArray) -> FloatArray:
    """Values over ``space.cand`` spread to an array over every pair (0 elsewhere)."""
    out = np.zeros(len(space.coef))
    out[space.cand] = r
    return out


def _draw(hoods: _Neighbourhoods, kind: int, base: Allocation, size: int,
          taken: IntArray) -> tuple[IntArray, IntArray | None]:  # fmt: skip
    """One neighbourhood of the given kind, without the accounts already ``taken``."""
    focus = None
    if kind == 3:
        free = hoods.relaxation(base, size)
    elif kind == 2:
        free = hoods.random(size)
    else:
        free, focus = hoods.partners(base, size)
    return np.setdiff1d(free, taken).astype(np.int64), focus


def _merge(base: Allocation, parts: list[tuple[IntArray, Allocation]]) -> Allocation:
    """``base`` with each part's decisions on its own free accounts."""
    out = base.copy()
    for free, alloc in parts:
        out.partner[free] = alloc.partner[free]
        out.specialist[free] = alloc.specialist[free]
    return out


class _Rins:
    """Relaxation-induced neighbourhood in a background thread: the accounts where the optimal
    LP is fractional or disagrees with the incumbent, topped up with those of smallest LP margin
    (``accounts``), are solved as one HiGHS MIP for the rest of the time (HiGHS releases the
    GIL), the others held; ``improve`` runs the chains (``_rins_chains``) before its
    neighbourhoods.

    Measured at 5,000 accounts (950 such accounts, the others fixed): HiGHS's root cuts take
    most of 5 s, then its own sub-MIP heuristic found +1.2 % over the incumbent; the
    neighbourhood search alone gained about 0.3 % in the same time.
    """

    def __init__(self, search: Search, base: Allocation, free: IntArray, support: IntArray,
                 keep: int, share: float, guide: IntArray | None = None,
                 seen: float = 0.0) -> None:  # fmt: skip
        """Start the MIP over ``free`` (see ``start``, which chooses it and its ``support``);
        ``keep``, ``share``, ``guide`` and ``seen`` are kept for the chain's next run."""
        self.search = search
        self.keep = keep
        self.share = share
        self.guide = guide
        self.seen = seen  # > 0: a chain over the pairs seen (``_rins_chains``), its size factor
        self.free = free
        self.box: list[RunOutcome] = []
        self.taken = False
        self.ended_s = float("nan")  # seconds into the solve when the MIP returned
        limit = search.remaining() - RINS_MARGIN_S

        def work() -> None:
            out = _sub_mip(
                search, self.free, base, limit, keep=keep, support=support, effort=RINS_EFFORT
            )
            self.ended_s = search.elapsed()
            self.box.append(out)

        # not a daemon: at interpreter exit a HiGHS still running aborted the process
        self.thread = threading.Thread(target=work, daemon=False)
        self.thread.start()

    @staticmethod
    def guided(search: Search, guide: IntArray, base: Allocation) -> IntArray:
        """The accounts where the knapsack Lagrangian's choices (``guide``: the pairs its
        knapsacks take, ``solver.knapsack_bound``) are not exactly ``base``'s pair: taken by
        no knapsack or by several, or by one that is not ``base``'s partner."""
        d = search.data
        acc = d.pair_account[guide]
        count = np.bincount(acc, minlength=d.n_accounts)
        partner = np.full(d.n_accounts, -1, np.int64)
        one = count[acc] == 1
        partner[acc[one]] = d.pair_partner[guide[one]]
        return np.flatnonzero((count != 1) | (partner != base.partner)).astype(np.int64)

    @staticmethod
    def accounts(hoods: _Neighbourhoods, base: Allocation, share: float) -> IntArray:
        """Where the LP is fractional or disagrees with ``base``, topped up to ``share`` of the
        accounts (at most ``RINS_MAX_FREE``) with the accounts of smallest LP margin."""
        differ = (hoods.lp_pair != base.partner) | hoods.lp_frac
        target = min(RINS_MAX_FREE, int(share * len(differ)))
        room = target - int(differ.sum())
        if room > 0:
            _top, margin = hoods.reduced()
            margin = np.where(differ, np.inf, margin)
            differ[np.argsort(margin, kind="stable")[:room]] = True
        return np.flatnonzero(differ).astype(np.int64)

    @classmethod
    def start(cls, search: Search, hoods: _Neighbourhoods, lp: LPResult | None,
              base: Allocation, share: float, keep: int = RINS_KEEP,
              guide: IntArray | None = None, seen: float = 0.0) -> _Rins | None:  # fmt: skip
        """A RINS run when the LP was solved and the neighbourhood is of a size HiGHS can take
        (a guided one, ``guide`` given, frees any number of accounts: their pairs are few;
        with ``seen``, every account)."""
        if lp is None or not lp.ok:
            return None
        if search.remaining() < (RINS_MIN_S if guide is None else GUIDE_MIN_S):
            return None
        if guide is not None:
            n = search.data.n_accounts
            free = np.arange(n, dtype=np.int64) if seen else _Rins.guided(search, guide, base)
            if len(free) < MIN_FREE:
                return None
            # the guide's pairs only: with the LP's as well, HiGHS took longer and found less
            return cls(search, base, free, guide, keep, share, guide, seen)
        n = int(((hoods.lp_pair != base.partner) | hoods.lp_frac).sum())
        if n < MIN_FREE or n > RINS_MAX_FREE or n >= search.data.n_accounts:
            return None
        top_rc, _margin = hoods.reduced()
        support = np.union1d(hoods.lp_support, top_rc)
        return cls(search, base, _Rins.accounts(hoods, base, share), support, keep, share)

    def next(self, hoods: _Neighbourhoods, lp: LPResult | None) -> _Rins:
        """Once this run is done, another from the new incumbent with twice the pairs per
        account (the first keeps few so HiGHS's root is quick; a chain over the pairs seen grows
        its ``guide`` instead); else this one."""
        if not self.taken or self.search.best is None:
            return self
        keep = self.keep if self.seen else max(1, self.keep * 2)
        again = _Rins.start(self.search, hoods, lp, self.search.best, self.share, keep, self.guide,
                            self.seen)  # fmt: skip
        return again if again is not None else self

    def done(self) -> bool:
        """True once the MIP thread has returned."""
        return not self.thread.is_alive()

    def collect(self, wait: float = 0.0) -> None:
        """Offer RINS's allocation, and the incumbent with RINS's choices on its accounts."""
        if self.taken:
            return
        self.thread.join(wait)
        if not self.box:
            return
        self.taken = True
        out = self.box[0]
        stats = self.search.stats
        stats["rins_runs"] = stats.get("rins_runs", 0.0) + 1
        stats["rins_free"] = max(stats.get("rins_free", 0.0), float(len(self.free)))
        stats["rins_s"] = stats.get("rins_s", 0.0) + out.wall_s
        cancelled = float(out.status == "CANCELLED")
        stats["rins_cancelled"] = max(stats.get("rins_cancelled", 0.0), cancelled)
        stats["rins_end_s"] = max(stats.get("rins_end_s", 0.0), self.ended_s)
        if self.seen:
            stats["rins_seen_runs"] = stats.get("rins_seen_runs", 0.0) + 1
        if out.allocation is None:
            return
        before = self.search.best_obj
        prev = self.search.best
        self.search.offer(out.allocation)
        if self.search.best is not None and self.search.best is not out.allocation:
            self.search.offer(_merge(self.search.best, [(self.free, out.allocation)]))
        if self.seen and prev is not None:  # the other chain's incumbent: take the best of both
            _combine(self.search, prev, out.allocation)
        stats["rins_gain"] = stats.get("rins_gain", 0.0) + self.search.best_obj - before


def _combine(search: Search, one: Allocation, two: Allocation) -> None:
    """Solution merging: one HiGHS MIP over the accounts where ``one`` and ``two`` differ, each
    with its pair in either allocation (the others held as in the incumbent), offered as a new
    incumbent.

    The seen-pairs chain runs from an early incumbent while the first chain improves another,
    so their allocations end up better in different places. 5k channel, 10 s, seeds 0-4: 130-240
    such accounts, the MIP optimal in 0.01-0.03 s, +0.1e6 to +14e6 over the better of the two
    (bench/RESULTS.md)."""
    base = search.best
    if base is None or search.cancelled() or search.remaining() < COMBINE_MIN_S:
        return
    d = search.data
    moved = (one.partner != two.partner) | (one.specialist != two.specialist).any(axis=1)
    differ = np.flatnonzero(moved).astype(np.int64)
    if len(differ) < MIN_FREE:
        return
    pairs = []
    for alloc in (one, two):
        on = differ[alloc.partner[differ] >= 0]
        k = d.pair_index(on, alloc.partner[on])
        pairs.append(k[k >= 0])
    before = search.best_obj
    out = _sub_mip(search, differ, base, search.remaining(), keep=0,
                   support=np.union1d(pairs[0], pairs[1]))  # fmt: skip
    if out.allocation is not None:
        search.offer(out.allocation)
    stats = search.stats
    stats["combine_runs"] = stats.get("combine_runs", 0.0) + 1
    stats["combine_gain"] = stats.get("combine_gain", 0.0) + search.best_obj - before


class Guide(Protocol):
    """Where the knapsack Lagrangian's knapsacks put the accounts (the pairs they take), for
    guided RINS; ``solver.solve`` runs it and tightens the bound on the way."""

    def first(self) -> IntArray | None:
        """The choices after its first stage; None where it does not run."""

    def refine(self) -> IntArray | None:
        """A short slice more from where it stopped: the choices then; None once it is done."""

    def seen(self, limit: int) -> IntArray | None:
        """Up to ``limit`` pairs its knapsacks took at any multipliers so far, the most recently
        taken first; None where it does not run."""


def _rins_chains(search: Search, hoods: _Neighbourhoods, lp: LPResult | None,
                 shares: tuple[float, ...], guide: Guide | None = None) -> None:  # fmt: skip
    """One chain of RINS MIPs per share, side by side (HiGHS releases the GIL, so each takes a
    core), until none can start again: when a MIP returns, its result is offered and its chain
    goes on from the new incumbent with twice the pairs per account (``_Rins.next``).

    The chains free different numbers of accounts, so they differ in what they can reach and in
    how long HiGHS takes; an incumbent found by one is the base of the other's next MIP. HiGHS
    1.12 (OR-Tools 9.15) runs a MIP on one thread whatever its ``threads`` option says, so one
    MIP at a time left the second core idle.

    With a ``guide`` the chains are guided instead, both starting after the guide's first stage.
    The first frees the accounts where the knapsacks' latest choices differ from the incumbent,
    with those choices among their pairs (``_Rins.guided``) and ``GUIDE_KEEP`` pairs by value
    besides, doubled in each next run. The second frees every account over the pairs the
    knapsacks took at any multipliers so far (``Guide.seen``, ``SEEN_PAIRS``): near the best
    multipliers their choices keep changing, and together they hold almost every pair a better
    allocation uses (5k channel, seed 1: 99.3 % of the pairs of HiGHS's allocation after 300 s,
    against 90 % in the best multipliers' choices). When its MIP returns, its allocation and the
    incumbent the first chain reached meanwhile are merged (``_combine``). While they run, this
    thread refines the guide (numba releases the GIL). With one worker there is one chain and
    no refining. 5k channel, one such MIP of the first chain from the starts' incumbent (0.98437
    of HiGHS 300 s), 300 steps, alone on a quiet machine: 0.99875 in 1.9 s
    with one pair by value besides, 0.99903 in 5.0 s with two; from a 10 s solve's incumbent
    (0.99745), 250 steps: 0.99917 in 2.5 s, where the same accounts with the LP's pairs instead
    gave 0.99760 and without either 0.99755.
    """
    base = search.best
    if base is None:
        return
    chains: list[_Rins] = []
    latest = guide.first() if guide is not None else None
    # refining takes this thread's core beside the first chain: only with a second worker
    refining = guide is not None and latest is not None and len(shares) > 1
    if guide is not None and latest is not None:
        run = _Rins.start(search, hoods, lp, base, shares[0], GUIDE_KEEP, latest)
        chains += [run] if run is not None else []
        pairs = guide.seen(int(SEEN_PAIRS * len(latest))) if chains and len(shares) > 1 else None
        if pairs is not None:
            run = _Rins.start(search, hoods, lp, base, shares[1], 0, pairs, SEEN_PAIRS)
            chains += [run] if run is not None else []
    if not chains:
        refining = False
        runs = (_Rins.start(search, hoods, lp, base, s) for s in shares)
        chains = [r for r in runs if r is not None]
    while chains:
        if search.stopped():
            for r in chains:
                r.collect(wait=max(0.0, search.remaining()) + 0.05)
            return
        if refining and guide is not None:
            got = guide.refine()
            if got is not None:
                latest = got
            else:  # refined as far as it goes
                refining = False
        else:
            chains[0].thread.join(RINS_POLL_S)
        nxt = []
        for r in chains:
            if r.done():
                r.collect()
                if r.seen and guide is not None and latest is not None:
                    r.seen *= SEEN_GROWTH
                    r.guide = guide.seen(int(r.seen * len(latest)))
                elif r.guide is not None:
                    r.guide = latest  # the next MIP of the chain follows the newest choices
                again = r.next(hoods, lp)
                if again is not r:
                    nxt.append(again)
            else:
                nxt.append(r)
        chains = nxt


def _guided_step(search: Search, hoods: _Neighbourhoods, base: Allocation, chosen: IntArray,
                 size: int) -> int:  # fmt: skip
    """One guided neighbourhood (``GUIDED_ACCOUNTS``): ``size`` accounts drawn from those that
    some knapsack takes (``chosen``) to another partner than ``base``'s and those ``base``
    assigns that no knapsack takes, as a HiGHS MIP over their current pairs and the knapsacks';
    returns the next size: larger after a step proven within ``GUIDED_FAST`` of its slice,
    smaller after one not proven; 0 when there are too few such accounts (no step)."""
    d = search.data
    taken = np.bincount(d.pair_account[chosen], minlength=d.n_accounts) > 0
    differ = _Rins.guided(search, chosen, base)
    pool = np.union1d(differ[taken[differ]], np.flatnonzero((base.partner >= 0) & ~taken))
    if len(pool) < MIN_FREE:
        return 0
    free = np.sort(hoods.rng.choice(pool, min(size, len(pool)), replace=False))
    out = _sub_mip(search, free, base, GUIDED_SLICE, keep=0, support=chosen, effort=RINS_EFFORT)
    if out.allocation is not None:
        search.offer(out.allocation, check=False)
    search.stats["guided_steps"] = search.stats.get("guided_steps", 0) + 1
    log.debug("guided %d of %d free %s %.2f s best %.6g", len(free), len(pool), out.status,
              out.wall_s, search.best_obj)  # fmt: skip
    proven = out.status == "OPTIMAL"
    if proven and out.wall_s >= GUIDED_FAST * GUIDED_SLICE:
        return size  # proven, but not so fast that a larger one would fit its slice
    return _next_size(size, proven, d.n_accounts)


def _next_size(size: int, proven: bool, n_accounts: int) -> int:
    """A neighbourhood's next size: 15 % larger after a step proven optimal, 15 % smaller
    after one that was not (at least ``MIN_FREE``, at most every account)."""
    if proven:
        return min(n_accounts, int(size * 1.15) + 1)
    return max(MIN_FREE, int(size * 0.85))


def uses_highs(search: Search) -> bool:
    """Whether ``improve``'s neighbourhoods are HiGHS MIPs (one at a time) rather than CP-SAT
    models (as many at a time as there are workers)."""
    engine = search.params.lns_engine
    return engine == "highs" or (engine == "auto" and not search.data.policy.must_cover)


def improve(search: Search, sc: Scaling, lp: LPResult | None,
            guide: Guide | None = None,
            choices: Callable[[], IntArray | None] | None = None) -> None:  # fmt: skip
    """Improve the incumbent by LNS until the time limit, cancellation or proven optimality.

    ``guide``, the knapsack Lagrangian's choices, guides the RINS chains (``_rins_chains``);
    without RINS it runs its first stage first, for its bound only. ``choices``, the knapsacks'
    latest choices from a thread beside the search (``solver.spare_bound``), make every HiGHS
    neighbourhood a guided one once they are there (``_guided_step``): 50k channel, 60 s, two
    runs each, 481.15e9-481.17e9 against 480.84e9-481.00e9 with every other one guided.

    With ``workers`` threads and one-thread neighbourhoods, that many disjoint neighbourhoods
    are solved at once (CP-SAT releases the GIL); their moves are merged when the merge is
    valid, else the best one is kept.
    """
    d = search.data
    hoods = _Neighbourhoods(search, lp)
    size = max(MIN_FREE, min(search.params.lns_accounts, d.n_accounts // 4))
    sub_workers = search.params.lns_workers
    mip = uses_highs(search)
    slice_s = search.params.lns_slice if mip else min(search.params.lns_slice, CPSAT_SLICE)
    lanes = 1 if mip else max(1, search.params.workers // max(1, sub_workers))
    step = 0
    guided = GUIDED_ACCOUNTS
    overhead = 0.0  # seconds a step spends outside its solver slice (model building etc.)
    if mip and search.best is not None:
        _rins_chains(search, hoods, lp, RINS_SHARES[: max(1, search.params.workers)], guide)
    elif guide is not None:
        guide.first()
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        while not search.stopped() and search.best is not None:
            if search.remaining() < overhead + 0.1:
                break
            started = search.elapsed()
            base = search.best
            chosen = choices() if mip and choices is not None else None
            resized = _guided_step(search, hoods, base, chosen, guided) if chosen is not None else 0
            if resized:  # a guided step ran
                guided = resized
                continue
            kind = SCHEDULE[step % len(SCHEDULE)]
            jobs = []
            taken = np.zeros(0, np.int64)
            for _ in range(lanes):
                free, focus = _draw(hoods, kind, base, size, taken)
                if len(free) == 0:
                    continue
                taken = np.union1d(taken, free)
                if mip:
                    job = pool.submit(_sub_mip, search, free, base, slice_s, focus)
                else:
                    job = pool.submit(_sub_solve, search, sc, free, base, slice_s, sub_workers,
                                      focus)  # fmt: skip
                jobs.append((free, job))

            step += 1
            done = [(free, job.result()) for free, job in jobs]
            solver_s = max((out.wall_s for _f, out in done), default=0.0)
            overhead = max(overhead * 0.5, search.elapsed() - started - solver_s)
            parts = [(free, out.allocation) for free, out in done if out.allocation is not None]
            for _free, alloc in parts:
                search.offer(alloc, check=False)
            if len(parts) > 1:
                search.offer(_merge(base, parts))
            for free, out in done:
                log.debug("lns %d kind %d free %d %s best %.6g", step, kind, len(free),
                          out.status, search.best_obj)  # fmt: skip
                if out.status == "OPTIMAL" and len(free) >= d.n_accounts:
                    slack = 0.0 if sc.value_exact else float(len(free) * (1 + d.n_lines))
                    search.tighten((out.bound + slack) / sc.value + search.space.constant)
                    search.stats["lns_steps"] = step
                    return
            size = _next_size(size, any(out.status == "OPTIMAL" for _f, out in done), d.n_accounts)
    search.stats["lns_steps"] = step
    search.stats["lns_size"] = size
    search.stats["lns_end_s"] = search.elapsed()
