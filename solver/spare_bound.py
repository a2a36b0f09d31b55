"""A tighter bound from the core that neighbourhood search leaves idle, on problems too large
for an LP.

Without an LP (50,000 accounts: 6.9 M allowed pairs) the bound is the capacity Lagrangian at
the multipliers of a few seconds of subgradient steps (``solver.lagrange``), and the HiGHS
neighbourhood MIPs of ``lns.improve`` run one at a time, so one core is mostly idle (a 60 s
solve used 59 s of CPU in 61 s). ``bound_alongside`` gives that core to the bound while the
search runs:

1. more subgradient steps from where the first ones stopped, and the capacity Lagrangian over
   every pair at the better multipliers (``solver.bound.lagrangian_bound``), every few seconds
   on the way and at their end;
2. then the knapsack Lagrangian (``solver.knapsack_bound``), which keeps partner capacity whole,
   from those multipliers, in slices until the search ends; its compiled kernel releases the
   GIL, so the search's own Python work is barely slowed.

Each bound found is handed to ``Search.tighten`` at once, so progress reports show it, and the
pairs the knapsacks take at the best multipliers to the search (``Spare.choices``), whose guided
neighbourhoods free the accounts they put elsewhere (``lns._guided_step``): on the 50k channel
those gain five times as much a second as the other neighbourhoods at that stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from threading import Event, Thread

from solver.bound import lagrangian_bound
from solver.lagrange import subgradient
from solver.lns import uses_highs
from solver.lp import LPResult
from solver.problem import IntArray
from solver.search import Search
from solver.separable import SPARE_DP_BUDGET

# share of the time left for more subgradient steps before the knapsacks take over (and their
# choices guide the search: ``lns._guided_step``). 50k channel, seed 0, 60 s, bound alone: 0
# 490.83e9, 0.25 490.23e9-490.28e9, 0.5 490.13e9-490.18e9; with the guided neighbourhoods,
# objective / bound: 0.1 481.01e9 / 490.53e9, 0.25 481.09e9 / 490.24e9, 0.5 480.88e9 /
# 490.20e9 (one run each). Steps anew from zero (2 priced rounds) were better alone in a
# process (490.71e9 in 16 s against 491.06e9-491.16e9 for 450 steps from the solve's
# multipliers) but not beside the search, whose Python work they share the GIL with: 491.31e9
# after 25 s, 490.33e9 at the end
SUBGRADIENT_SHARE = 0.25
SUBGRADIENT_MAX_ITER = 2_000
# seconds between two bounds handed over during those steps: each is a pass over every pair
# (0.4-1.1 s at 50k), and without them a cancel before the steps end kept the bound of before
REPORT_S = 4.0
# the first step factor from the subgradient's multipliers. 50k channel, seed 0, from the
# multipliers of 600 subgradient steps (bound 490.75e9; incumbent 480.2e9 as the target):
# factor 1 overshot and took 80 steps of halving before a better bound (489.73e9 after 120
# steps), 0.06 improved from the first slice (490.04e9 after 10 steps, 489.77e9 after 120)
KNAPSACK_FACTOR = 0.06
# knapsack steps between two bounds handed to the search; each slice ends with one evaluation
# more, for the choices at the best multipliers
SLICE_STEPS = 8
CHOICE_MIN_S = 3.0  # seconds left under which a slice takes no choices (``tighten_bound``)


def applies(search: Search, lp: LPResult | None) -> bool:
    """Where the relaxation is subgradient multipliers (no LP optimum), another core is free and
    the neighbourhood search leaves it idle (HiGHS neighbourhoods, one at a time:
    ``lns.uses_highs``)."""
    return (
        lp is not None
        and lp.status == "LAGRANGIAN"
        and search.params.workers >= 2
        and uses_highs(search)
    )


class Spare:
    """What the thread beside the search hands over besides bounds: the pairs the knapsacks take
    at the best multipliers so far (``choices``), for ``lns.improve``'s guided neighbourhoods."""

    def __init__(self) -> None:
        self.chosen: IntArray | None = None

    def choices(self) -> IntArray | None:
        """The latest choices (a new array each slice, so a reader never sees one half
        written); None before the knapsacks' first slice."""
        return self.chosen


@contextmanager
def bound_alongside(search: Search, lp: LPResult | None) -> Iterator[Spare | None]:
    """Tighten the bound in a thread while the body runs (``applies``); yields the thread's
    ``Spare`` where it runs, else None. The thread stops when the body ends or the search stops,
    and is waited for (its errors raised here) unless the solve was cancelled: a cancel does not
    wait for a step in progress (building the knapsacks takes about 1.3 s at 50,000 accounts),
    and the thread ends on its own within that."""
    if not applies(search, lp):
        yield None
        return
    assert lp is not None
    done = Event()
    errors: list[BaseException] = []
    spare = Spare()

    def stop() -> bool:
        return done.is_set() or search.stopped()

    def work() -> None:
        try:
            tighten_bound(search, lp, stop, spare)
        except BaseException as exc:  # re-raised in the solve's thread
            errors.append(exc)

    thread = Thread(target=work, name="allot-bound")
    thread.start()
    try:
        yield spare
    finally:
        done.set()
        if not search.cancelled():
            thread.join()
            if errors:
                raise errors[0]


def tighten_bound(search: Search, lp: LPResult, stop: Callable[[], bool],
                  spare: Spare | None = None) -> None:  # fmt: skip
    """Subgradient steps from ``lp``'s multipliers (their bound handed over every
    ``REPORT_S``), then knapsack steps from theirs, until ``stop``; every bound goes to
    ``search.tighten``, the knapsacks' choices to ``spare``.
    Counts the steps in the search's stats (``spare_subgradient_s``,
    ``spare_knapsack_steps``)."""
    space = search.space
    t0 = time.monotonic()
    seconds = SUBGRADIENT_SHARE * search.remaining()
    res = subgradient(space, lp.pairs, search.best_obj, seconds, SUBGRADIENT_MAX_ITER, init=lp,
                      stop=stop, report=lambda r: search.tighten(lagrangian_bound(space, r)),
                      report_s=REPORT_S)  # fmt: skip
    search.stats["spare_subgradient_s"] = time.monotonic() - t0
    if stop():
        return
    search.tighten(lagrangian_bound(space, res))
    if stop():
        return
    from solver.knapsack_bound import KnapsackDual  # numba: imported only where it runs

    # memory grows with the pairs, not the cells: about 50 bytes a pair (350 MB at 50k)
    dual = KnapsackDual.create(space, res, cells=SPARE_DP_BUDGET, factor=KNAPSACK_FACTOR)
    while dual is not None and not dual.finished and not stop():
        # the choices cost one evaluation more (0.11 s at 50k), which the search's end would
        # wait for: none in the last CHOICE_MIN_S, whose guided steps use the ones before
        choose = spare is not None and search.remaining() > CHOICE_MIN_S
        out = dual.run(search.best_obj, search.remaining(), SLICE_STEPS, stop=stop, choose=choose)
        search.stats["spare_knapsack_steps"] = out.iterations
        if spare is not None and choose:
            spare.chosen = out.chosen
        # float sums of pair values: a relative margin as for the LP's
        search.tighten(out.bound + 1e-9 * max(1.0, abs(out.bound)))
