"""The solver's numba kernels: the decorator they share and one warm-up for all of them.

Kernels are compiled with ``cache=True`` (once per install, 10-20 s, into ``__pycache__``
beside their module) and ``nogil=True`` (they run in threads beside CP-SAT or HiGHS). Importing
numba costs about 0.5 s, so only the modules that run a kernel import this one, and only when a
problem needs them (``solver.separable.uses_kernels``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """``numba.njit(cache=True, nogil=True)`` keeping the function's type for mypy."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def warm() -> float:
    """Compile (or load from the cache) every kernel: the tabu search (``solver.ejection``) and
    the knapsack bound (``solver.knapsack_bound``); returns the seconds it took. Benchmarks call
    it before timing, solve workers and children in the background (``api.solve_process``)."""
    from solver import ejection, knapsack_bound

    return ejection.warm() + knapsack_bound.warm()
