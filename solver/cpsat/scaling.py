"""CP-SAT has no floats: money and effort are scaled to integers on purpose.

Values are scaled by ``value`` and floored, so the true objective of any allocation is at most
``(scaled + n_terms) / value``; efforts are rounded up and capacities down, so an allocation
that fits in CP-SAT fits in floating point too. When every number is already integral the
scaling is exact and CP-SAT's bound is a proven bound as is.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from solver.problem import FloatArray, IntArray
from solver.space import Space

MAX_COEF = 2.0**40


@dataclass(frozen=True)
class Scaling:
    """Integer scaling factors for CP-SAT."""

    value: float
    effort: float
    value_exact: bool

    def values(self, x: FloatArray) -> IntArray:
        """Scaled, floored objective coefficients."""
        return np.floor(x * self.value + 1e-9).astype(np.int64)

    def efforts(self, x: FloatArray) -> IntArray:
        """Scaled efforts, rounded up (conservative)."""
        return np.ceil(x * self.effort - 1e-9).astype(np.int64)

    def capacities(self, x: FloatArray) -> IntArray:
        """Scaled capacities, rounded down (conservative)."""
        return np.floor(x * self.effort + 1e-9).astype(np.int64)


def _integral(x: FloatArray) -> bool:
    return bool(np.all(np.abs(x - np.round(x)) < 1e-9))


def choose_scaling(space: Space) -> Scaling:
    """Pick the scaling for a problem; warn when its numbers are too large to scale well."""
    d = space.data
    coef = space.coef[space.cand]
    gains = space.slot_max_gain
    exact = _integral(coef) and _integral(gains)
    top = float(max(np.abs(coef).max(initial=0.0), gains.max(initial=0.0), 1.0))
    value = 1.0 if exact else 10.0 ** max(0, math.floor(7 - math.log10(top)))
    if top * value * max(d.n_accounts, 1) > 2.0**62:
        warnings.warn(
            "objective coefficients too large for exact integer scaling in CP-SAT",
            stacklevel=2,
        )
    efforts = np.concatenate([d.pair_effort[space.cand], d.partner_capacity])
    effort = 1.0 if _integral(efforts) else 1000.0
    if efforts.max(initial=0.0) * effort > MAX_COEF:
        effort = max(1e-6, MAX_COEF / float(efforts.max()))
        warnings.warn("efforts too large: scaled down for CP-SAT", stacklevel=2)
    return Scaling(value=value, effort=effort, value_exact=exact)
