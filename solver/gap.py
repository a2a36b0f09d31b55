"""Generalized Assignment Problem instances as allocation problems.

The classic GAP benchmark files (OR-Library, Chu & Beasley 1997, Yagiura et al. 2004) are a
special case of the allocation problem: agents are partners serving one territory, jobs are
accounts, and every (job, agent) pair carries its own effort and value. This module reads the
text format and writes the equivalent ``allot-problem/1`` dict, so the solver can be measured
against the published best-known values.

File format (whitespace-separated integers, line breaks carry no meaning)::

    [P]          only in OR-Library files: the number of problems that follow
    m n          agents, jobs
    c[i][j]      m*n costs (profits in OR-Library files), agent-major
    w[i][j]      m*n resource uses, agent-major
    b[i]         m capacities

OR-Library files maximise profit; the other sets minimise cost. A minimisation instance is
turned into a maximisation one by valuing pair (j, i) at ``C - c[i][j]`` with
``C = max(c) + 1``: every job is assigned (``must_cover``), so the allocation objective is
``n * C - cost`` and the cost is recovered as ``n * C - objective``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

Sense = Literal["min", "max"]

TERRITORY = "T"


class GapFormatError(ValueError):
    """Raised when a GAP text file does not follow the token layout above."""


@dataclass(frozen=True)
class GapInstance:
    """One GAP instance: ``cost[i][j]`` and ``weight[i][j]`` for agent i, job j."""

    name: str
    sense: Sense
    cost: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    capacity: tuple[int, ...]

    @property
    def agents(self) -> int:
        """Number of agents (partners)."""
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        """Number of jobs (accounts)."""
        return len(self.cost[0]) if self.cost else 0

    @cached_property
    def offset(self) -> int:
        """The constant C with value = C - cost for minimisation instances (0 when maximising)."""
        if self.sense == "max":
            return 0
        return max(max(row) for row in self.cost) + 1

    def value(self, agent: int, job: int) -> int:
        """Allocation value of ``job`` on ``agent``: the profit, or ``C - cost`` when minimising."""
        c = self.cost[agent][job]
        return c if self.sense == "max" else self.offset - c

    def cost_of(self, objective: float) -> float:
        """Map an allocation objective back to the GAP objective (profit or cost)."""
        if self.sense == "max":
            return objective
        return self.jobs * self.offset - objective

    def objective_of(self, gap_value: float) -> float:
        """Map a GAP objective (profit or cost) to the allocation objective; inverse of cost_of."""
        if self.sense == "max":
            return gap_value
        return self.jobs * self.offset - gap_value

    def to_problem_dict(self) -> dict[str, Any]:
        """The equivalent allot-problem/1 dict: one territory, per-pair effort and value."""
        partners: list[dict[str, Any]] = [
            {
                "id": partner_id(i),
                "track": "VOLUME",
                "tier": "SILVER",
                "capacity": self.capacity[i],
                "territories": [TERRITORY],
                "attach_rates": {},
            }
            for i in range(self.agents)
        ]
        accounts: list[dict[str, Any]] = [
            {
                "id": account_id(j),
                "territory": TERRITORY,
                "workload": max(self.weight[i][j] for i in range(self.agents)),
                "incumbent": None,
                "whitespace": {},
            }
            for j in range(self.jobs)
        ]
        pairs: list[dict[str, Any]] = [
            {
                "account": account_id(j),
                "partner": partner_id(i),
                "value": self.value(i, j),
                "effort": self.weight[i][j],
            }
            for j in range(self.jobs)
            for i in range(self.agents)
        ]
        return {
            "format": "allot-problem/1",
            "name": self.name,
            "product_lines": [],
            "territories": [TERRITORY],
            "partners": partners,
            "specialists": [],
            "accounts": accounts,
            "pairs": pairs,
            "policy": {
                "must_cover": True,
                "pins": [],
                "forbids": [],
                "tier_floor": None,
                "min_track_share": {},
                "max_accounts_per_partner": None,
                "stickiness": 0,
            },
        }


def partner_id(agent: int) -> str:
    """Partner id used for GAP agent ``agent`` (0-based)."""
    return f"agent{agent}"


def account_id(job: int) -> str:
    """Account id used for GAP job ``job`` (0-based)."""
    return f"job{job}"


def _ints(text: str) -> list[int]:
    try:
        return [int(tok) for tok in text.split()]
    except ValueError as exc:
        raise GapFormatError(f"non-integer token: {exc}") from None


def _single_size(tokens: list[int], start: int) -> int:
    """Token count of one instance starting at ``start`` (its m n header included)."""
    if start + 2 > len(tokens):
        raise GapFormatError(f"truncated header at token {start}")
    m, n = tokens[start], tokens[start + 1]
    if m <= 0 or n <= 0:
        raise GapFormatError(f"agents and jobs must be positive, got m={m} n={n}")
    return 2 + 2 * m * n + m


def _read_one(tokens: list[int], start: int, name: str, sense: Sense) -> GapInstance:
    size = _single_size(tokens, start)
    if start + size > len(tokens):
        raise GapFormatError(f"{name}: expected {size} tokens, file has {len(tokens) - start}")
    m, n = tokens[start], tokens[start + 1]
    pos = start + 2
    cost = tuple(tuple(tokens[pos + i * n : pos + (i + 1) * n]) for i in range(m))
    pos += m * n
    weight = tuple(tuple(tokens[pos + i * n : pos + (i + 1) * n]) for i in range(m))
    pos += m * n
    capacity = tuple(tokens[pos : pos + m])
    if any(w < 0 for row in weight for w in row) or any(b < 0 for b in capacity):
        raise GapFormatError(f"{name}: negative resource use or capacity")
    return GapInstance(name=name, sense=sense, cost=cost, weight=weight, capacity=capacity)


def parse_gap_text(text: str, name: str, sense: Sense | None = None) -> list[GapInstance]:
    """Parse GAP text into instances; one instance is named ``name``, several ``name-1``....

    ``sense=None`` infers it from the layout: a multi-problem (OR-Library) file maximises,
    a single instance minimises, as in the published sets.
    """
    tokens = _ints(text)
    if len(tokens) >= 2 and _single_size(tokens, 0) == len(tokens):
        return [_read_one(tokens, 0, name, sense or "min")]
    if not tokens:
        raise GapFormatError(f"{name}: empty file")
    count, pos = tokens[0], 1
    if count <= 0:
        raise GapFormatError(f"{name}: problem count must be positive, got {count}")
    out: list[GapInstance] = []
    for k in range(1, count + 1):
        inst = _read_one(tokens, pos, f"{name}-{k}", sense or "max")
        out.append(inst)
        pos += _single_size(tokens, pos)
    if pos != len(tokens):
        raise GapFormatError(f"{name}: {len(tokens) - pos} trailing tokens after {count} problems")
    return out


def read_gap_file(path: str | Path, sense: Sense | None = None) -> list[GapInstance]:
    """Read a GAP file; instances are named after the file stem (``gap1.txt`` -> ``gap1-1``)."""
    p = Path(path)
    return parse_gap_text(p.read_text(), p.stem, sense)
