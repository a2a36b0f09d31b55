"""Scenario parameters: scope, capacity overrides, solver policies and time limit.

Each value checks its own fields on construction and raises ``Invalid(field, rule)`` with the
path of the field under ``parameters`` (``parameters.policy.pins[2].partner_id``); references
to rows are checked against the database by ``repository.check_references``. Parameters are
stored as jsonb (``to_json`` / ``from_json``), with database ids, never GraphQL ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from db.errors import Invalid
from db.models import Tier, Track

P = "parameters"
MAX_TIME_LIMIT_S = 3600.0
DEFAULT_TIME_LIMIT_S = 30.0
MAX_LIST = 100_000


class ScopeCoverage(StrEnum):
    """Which accounts a scope takes by coverage: released ones (default), named ones, or all."""

    UNNAMED = "UNNAMED"
    NAMED = "NAMED"
    ANY = "ANY"


def _ids(where: str, values: tuple[int, ...]) -> tuple[int, ...]:
    """Positive ids, each once, at most MAX_LIST of them."""
    if len(values) > MAX_LIST:
        raise Invalid(where, "max_items", f"{where} may list at most {MAX_LIST} ids")
    seen: set[int] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise Invalid(f"{where}[{i}]", "distinct", f"{where}[{i}] is listed twice")
        seen.add(value)
    return values


@dataclass(frozen=True, slots=True)
class Scope:
    """Accounts in play: every given filter must hold (AND); empty lists mean no filter."""

    territory_ids: tuple[int, ...] = ()
    coverage: ScopeCoverage = ScopeCoverage.UNNAMED
    product_line_ids: tuple[int, ...] = ()  # accounts with whitespace in any of these lines
    account_ids: tuple[int, ...] = ()  # an explicit list

    def __post_init__(self) -> None:
        _ids(f"{P}.scope.territory_ids", self.territory_ids)
        _ids(f"{P}.scope.product_line_ids", self.product_line_ids)
        _ids(f"{P}.scope.account_ids", self.account_ids)


@dataclass(frozen=True, slots=True)
class CapacityOverride:
    """A capacity that replaces the stored one for this scenario only."""

    id: int
    capacity: int


@dataclass(frozen=True, slots=True)
class AccountPartner:
    """An (account, partner) pair: a pin or a forbid."""

    account_id: int
    partner_id: int


@dataclass(frozen=True, slots=True)
class TierFloor:
    """Accounts with at least this total whitespace need a partner of ``tier`` or above."""

    min_whitespace_cents: int
    tier: Tier


@dataclass(frozen=True, slots=True)
class Policy:
    """Every policy of the solver, with database ids."""

    must_cover: bool = False
    pins: tuple[AccountPartner, ...] = ()
    forbids: tuple[AccountPartner, ...] = ()
    tier_floor: TierFloor | None = None
    min_track_share: tuple[tuple[Track, float], ...] = ()
    max_accounts_per_partner: int | None = None
    stickiness: float = 0.0

    def __post_init__(self) -> None:
        at = f"{P}.policy"
        pinned: dict[int, int] = {}
        for i, pin in enumerate(self.pins):
            if pinned.get(pin.account_id, pin.partner_id) != pin.partner_id:
                raise Invalid(
                    f"{at}.pins[{i}].account_id",
                    "single_pin",
                    f"{at}.pins[{i}]: the account is already pinned to another partner",
                )
            pinned[pin.account_id] = pin.partner_id
        for i, fb in enumerate(self.forbids):
            if pinned.get(fb.account_id) == fb.partner_id:
                raise Invalid(
                    f"{at}.forbids[{i}]",
                    "pin_conflict",
                    f"{at}.forbids[{i}] forbids the pair that a pin requires",
                )
        if self.tier_floor is not None and self.tier_floor.min_whitespace_cents < 0:
            raise Invalid(
                f"{at}.tier_floor.min_whitespace_cents", "non_negative", "must be at least 0"
            )
        tracks: set[Track] = set()
        for i, (track, share) in enumerate(self.min_track_share):
            where = f"{at}.min_track_share[{i}]"
            if track in tracks:
                raise Invalid(f"{where}.track", "distinct", f"{where}.track is listed twice")
            tracks.add(track)
            if not (math.isfinite(share) and 0.0 <= share <= 1.0):
                raise Invalid(f"{where}.share", "rate_0_1", f"{where}.share must be in [0, 1]")
        if self.max_accounts_per_partner is not None and self.max_accounts_per_partner < 0:
            raise Invalid(f"{at}.max_accounts_per_partner", "non_negative", "must be >= 0")
        if not (math.isfinite(self.stickiness) and self.stickiness >= 0):
            raise Invalid(f"{at}.stickiness", "non_negative", f"{at}.stickiness must be >= 0")


@dataclass(frozen=True, slots=True)
class ScenarioParameters:
    """What a scenario solves: scope, capacity overrides, policies, time limit."""

    scope: Scope = field(default_factory=Scope)
    partner_capacities: tuple[CapacityOverride, ...] = ()
    specialist_capacities: tuple[CapacityOverride, ...] = ()
    policy: Policy = field(default_factory=Policy)
    time_limit_s: float = DEFAULT_TIME_LIMIT_S

    def __post_init__(self) -> None:
        for name in ("partner_capacities", "specialist_capacities"):
            seen: set[int] = set()
            for i, item in enumerate(getattr(self, name)):
                where = f"{P}.{name}[{i}]"
                if item.id in seen:
                    raise Invalid(f"{where}.id", "distinct", f"{where}.id is listed twice")
                seen.add(item.id)
                if not 0 <= item.capacity <= 2**31 - 1:
                    raise Invalid(f"{where}.capacity", "non_negative", "must be >= 0")
        if not (math.isfinite(self.time_limit_s) and 0 < self.time_limit_s <= MAX_TIME_LIMIT_S):
            raise Invalid(
                f"{P}.time_limit_s",
                "range",
                f"{P}.time_limit_s must be > 0 and at most {MAX_TIME_LIMIT_S:g} seconds",
            )

    def to_json(self) -> dict[str, Any]:
        """The jsonb form stored in ``scenarios.parameters``."""
        pol = self.policy
        floor = pol.tier_floor
        return {
            "scope": {
                "territory_ids": list(self.scope.territory_ids),
                "coverage": self.scope.coverage.value,
                "product_line_ids": list(self.scope.product_line_ids),
                "account_ids": list(self.scope.account_ids),
            },
            "partner_capacities": [[c.id, c.capacity] for c in self.partner_capacities],
            "specialist_capacities": [[c.id, c.capacity] for c in self.specialist_capacities],
            "policy": {
                "must_cover": pol.must_cover,
                "pins": [[p.account_id, p.partner_id] for p in pol.pins],
                "forbids": [[f.account_id, f.partner_id] for f in pol.forbids],
                "tier_floor": None
                if floor is None
                else {"min_whitespace_cents": floor.min_whitespace_cents, "tier": floor.tier.value},
                "min_track_share": [[t.value, s] for t, s in pol.min_track_share],
                "max_accounts_per_partner": pol.max_accounts_per_partner,
                "stickiness": pol.stickiness,
            },
            "time_limit_s": self.time_limit_s,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ScenarioParameters:
        """Read the stored jsonb form (``{}`` gives the defaults)."""
        scope = raw.get("scope") or {}
        pol = raw.get("policy") or {}
        floor = pol.get("tier_floor")
        return cls(
            scope=Scope(
                territory_ids=tuple(scope.get("territory_ids", ())),
                coverage=ScopeCoverage(scope.get("coverage", "UNNAMED")),
                product_line_ids=tuple(scope.get("product_line_ids", ())),
                account_ids=tuple(scope.get("account_ids", ())),
            ),
            partner_capacities=tuple(
                CapacityOverride(i, c) for i, c in raw.get("partner_capacities", ())
            ),
            specialist_capacities=tuple(
                CapacityOverride(i, c) for i, c in raw.get("specialist_capacities", ())
            ),
            policy=Policy(
                must_cover=bool(pol.get("must_cover", False)),
                pins=tuple(AccountPartner(a, p) for a, p in pol.get("pins", ())),
                forbids=tuple(AccountPartner(a, p) for a, p in pol.get("forbids", ())),
                tier_floor=None
                if floor is None
                else TierFloor(int(floor["min_whitespace_cents"]), Tier(floor["tier"])),
                min_track_share=tuple(
                    (Track(t), float(s)) for t, s in pol.get("min_track_share", ())
                ),
                max_accounts_per_partner=pol.get("max_accounts_per_partner"),
                stickiness=float(pol.get("stickiness", 0.0)),
            ),
            time_limit_s=float(raw.get("time_limit_s", DEFAULT_TIME_LIMIT_S)),
        )
