"""Validated allocation problem data, indexed by integers.

``ProblemData`` holds numpy arrays so that every rule can be evaluated without per-pair
Python loops at the scale of a worldwide release (tens of thousands of accounts, thousands of
partners). String ids live only in the ``*_ids`` tuples and are used at the I/O boundary.
Candidate pairs (account, partner) are exactly the territory-eligible ones, stored sorted by
account with a CSR index ``account_start`` so that ``pairs_of(a)`` is a slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TRACKS: tuple[str, ...] = ("VOLUME", "VALUE", "ALLIANCE", "OEM")
TIERS: tuple[str, ...] = ("SILVER", "GOLD", "PLATINUM")


class ProblemValidationError(ValueError):
    """Structurally bad input: names the field and the rule it breaks."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class TierFloor:
    """Accounts with total whitespace >= ``min_whitespace`` need a partner of ``tier`` or above."""

    min_whitespace: float
    tier: int


@dataclass(frozen=True)
class Policy:
    """Scenario policies. ``pins`` holds a partner index per account (-1: not pinned)."""

    must_cover: bool = False
    pins: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    forbid_account: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    forbid_partner: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tier_floor: TierFloor | None = None
    min_track_share: FloatArray = field(default_factory=lambda: np.zeros(len(TRACKS)))
    max_accounts_per_partner: int | None = None
    stickiness: float = 0.0


@dataclass(frozen=True, eq=False)
class ProblemData:
    """The whole allocation problem as arrays; built and checked by ``solver.io``."""

    name: str
    line_ids: tuple[str, ...]
    territory_ids: tuple[str, ...]
    partner_ids: tuple[str, ...]
    specialist_ids: tuple[str, ...]
    account_ids: tuple[str, ...]
    partner_track: IntArray
    partner_tier: IntArray
    partner_capacity: FloatArray
    partner_rates: FloatArray  # [P, L]
    specialist_territory: IntArray
    specialist_line: IntArray
    specialist_capacity: IntArray
    specialist_lift: FloatArray
    account_territory: IntArray
    account_workload: FloatArray
    account_incumbent: IntArray  # -1: none
    whitespace: FloatArray  # [A, L], cents
    pair_account: IntArray  # [K], sorted
    pair_partner: IntArray
    pair_value: FloatArray  # base value without specialists (override or sum ws*rate)
    pair_effort: FloatArray
    account_start: IntArray  # [A + 1] CSR into pairs
    policy: Policy

    @property
    def n_accounts(self) -> int:
        """Number of accounts."""
        return len(self.account_ids)

    @property
    def n_partners(self) -> int:
        """Number of partners."""
        return len(self.partner_ids)

    @property
    def n_specialists(self) -> int:
        """Number of specialists."""
        return len(self.specialist_ids)

    @property
    def n_lines(self) -> int:
        """Number of product lines."""
        return len(self.line_ids)

    @property
    def n_pairs(self) -> int:
        """Number of territory-eligible (account, partner) pairs."""
        return len(self.pair_account)

    @cached_property
    def account_total_whitespace(self) -> FloatArray:
        """Total whitespace per account (drives tier floor, track share and stickiness)."""
        total: FloatArray = self.whitespace.sum(axis=1)
        return total

    def pairs_of(self, account: int) -> slice:
        """The pair index range of one account."""
        return slice(int(self.account_start[account]), int(self.account_start[account + 1]))

    def pair_index(self, account: IntArray, partner: IntArray) -> IntArray:
        """Pair index for each (account, partner); -1 where the pair is not eligible."""
        key = self._pair_key
        want = account.astype(np.int64) * self.n_partners + partner.astype(np.int64)
        pos = np.searchsorted(key, want)
        pos = np.minimum(pos, max(len(key) - 1, 0))
        found = (len(key) > 0) & (key[pos] == want) if len(key) else np.zeros(len(want), bool)
        return np.where(found & (partner >= 0), pos, -1).astype(np.int64)

    @cached_property
    def _pair_key(self) -> IntArray:
        key: IntArray = self.pair_account * self.n_partners + self.pair_partner
        return key

    def pair_allowed(self) -> BoolArray:
        """Pairs allowed by the policies that act on single pairs: forbids and the tier floor."""
        allowed = np.ones(self.n_pairs, dtype=bool)
        pol = self.policy
        if len(pol.forbid_account):
            idx = self.pair_index(pol.forbid_account, pol.forbid_partner)
            allowed[idx[idx >= 0]] = False
        if pol.tier_floor is not None:
            big = self.account_total_whitespace >= pol.tier_floor.min_whitespace
            low = self.partner_tier < pol.tier_floor.tier
            allowed &= ~(big[self.pair_account] & low[self.pair_partner])
        return allowed

    def specialist_gain(self, pairs: IntArray, specialists: IntArray) -> FloatArray:
        """Extra revenue of specialist s on pair k: ws(a,l) * (min(1, rate + lift) - rate)."""
        a = self.pair_account[pairs]
        p = self.pair_partner[pairs]
        line = self.specialist_line[specialists]
        rate = self.partner_rates[p, line]
        lift = self.specialist_lift[specialists]
        ws = self.whitespace[a, line]
        gain: FloatArray = ws * (np.minimum(1.0, rate + lift) - rate)
        return gain
