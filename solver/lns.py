"""Large neighbourhood search with CP-SAT: repair to feasibility, then improve."""

from __future__ import annotations

from solver.cpsat.scaling import Scaling
from solver.lp import LPResult
from solver.result import Allocation
from solver.search import Search


def repair(search: Search, sc: Scaling, start: Allocation | None) -> None:
    """Turn a (possibly infeasible) start into a feasible allocation."""
    del search, sc, start


def improve(search: Search, sc: Scaling, lp: LPResult | None) -> None:
    """Improve the incumbent until the time limit."""
    del search, sc, lp
