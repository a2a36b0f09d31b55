"""Solve outcomes: status, allocation, progress snapshots and the final result value."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from solver.problem import FloatArray, IntArray, ProblemData


class SolveStatus(StrEnum):
    """How a solve ended; infeasible input is a status, never an exception."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, eq=False)
class Allocation:
    """A decision: partner per account (-1: none), specialist per account x line (-1: none)."""

    partner: IntArray
    specialist: IntArray

    @classmethod
    def empty(cls, data: ProblemData) -> Allocation:
        """Nothing assigned: the allocation every problem without must-cover admits."""
        return cls(
            partner=np.full(data.n_accounts, -1, dtype=np.int64),
            specialist=np.full((data.n_accounts, data.n_lines), -1, dtype=np.int64),
        )

    def copy(self) -> Allocation:
        """An independent copy (the arrays are mutable)."""
        return Allocation(self.partner.copy(), self.specialist.copy())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Allocation):
            return NotImplemented
        return bool(
            np.array_equal(self.partner, other.partner)
            and np.array_equal(self.specialist, other.specialist)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Progress:
    """A progress snapshot reported during a solve."""

    incumbent: float
    bound: float
    gap: float
    elapsed_s: float


def relative_gap(objective: float, bound: float) -> float:
    """(bound - objective) / |bound|, 0 when both are (nearly) equal or the bound is 0."""
    if not (math.isfinite(bound) and math.isfinite(objective)):
        return float("inf")
    diff = bound - objective
    if abs(diff) <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    if abs(bound) < 1e-12:
        return float("inf")
    return max(0.0, diff / abs(bound))


@dataclass(frozen=True, eq=False)
class Result:
    """Outcome of ``solve``: the best allocation found, its exact objective and a proven bound."""

    status: SolveStatus
    objective: float
    bound: float
    runtime_s: float
    allocation: Allocation
    partner_shadow_price: FloatArray
    specialist_shadow_price: FloatArray
    conflicts: tuple[str, ...] = ()
    greedy_objective: float = float("nan")
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between the proven bound and the objective."""
        if self.status in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN):
            return float("inf")
        return relative_gap(self.objective, self.bound)
