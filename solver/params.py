"""Solver settings as a value, loadable from a dict (a scenario's parameters or a TOML table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from solver.problem import ProblemValidationError


@dataclass(frozen=True)
class SolveParams:
    """How long and how hard to solve.

    ``time_limit`` is wall time in seconds from the start of ``solve``; ``workers`` the CP-SAT
    threads; ``seed`` makes runs repeatable; ``log`` prints CP-SAT logs. ``full_model_max_pairs``
    is the size up to which one exact CP-SAT model is solved instead of neighbourhood search;
    ``lns_accounts`` is the first neighbourhood size, ``lns_slice`` the seconds a neighbourhood
    gets, ``lns_workers`` the CP-SAT threads per neighbourhood (small models: one wastes least);
    ``lns_engine`` solves neighbourhoods as MIPs with HiGHS ("highs") or with CP-SAT ("cpsat");
    "auto" takes HiGHS unless every account must be covered (HiGHS gets no warm start here and
    rarely finds a feasible cover within a slice). ``lp_backend`` is "glop" (duals: shadow
    prices, priced starts) or "highs" (2-3x faster on large GAP-like LPs, but no duals: OR-Tools
    9.15 returns activities, and without priced starts must-cover repairs failed); "auto" is
    GLOP. Above
    ``lp_max_pairs`` allowed pairs subgradient multipliers replace the LP.
    """

    time_limit: float = 10.0
    workers: int = 2
    seed: int = 0
    log: bool = False
    full_model_max_pairs: int = 16_000
    lns_accounts: int = 300
    lns_slice: float = 1.0
    lns_workers: int = 1
    lns_engine: str = "auto"
    lp_backend: str = "auto"
    lp_max_pairs: int = 400_000

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ProblemValidationError("time_limit", "must be > 0")
        if self.workers < 1:
            raise ProblemValidationError("workers", "must be >= 1")
        if self.lns_engine not in ("auto", "highs", "cpsat"):
            raise ProblemValidationError("lns_engine", "must be 'auto', 'highs' or 'cpsat'")
        if self.lp_backend not in ("auto", "highs", "glop"):
            raise ProblemValidationError("lp_backend", "must be 'auto', 'highs' or 'glop'")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SolveParams:
        """Build from a dict; unknown keys are an error naming the key."""
        known = {f.name: f.type for f in fields(cls)}
        for key in raw:
            if key not in known:
                raise ProblemValidationError(key, "unknown solver parameter")
        return cls(**dict(raw))
