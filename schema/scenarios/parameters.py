"""Scenario parameters in GraphQL: the output types (global ids) and their input twins."""

from __future__ import annotations

from typing import Self

import strawberry

from db.scenarios import models as m
from db.scenarios.parameters import DEFAULT_TIME_LIMIT_S
from schema.common.enums import Tier, Track
from schema.common.ids import decode_id, encode_id
from schema.common.scalars import Cents
from schema.scenarios.enums import ScopeCoverage

P = "parameters"


def _ids(kind: str, ids: tuple[int, ...]) -> list[strawberry.ID]:
    return [strawberry.ID(encode_id(kind, i)) for i in ids]


@strawberry.type(description="Which accounts are in play; every given filter must hold.")
class Scope:
    territory_ids: list[strawberry.ID]
    coverage: ScopeCoverage
    product_line_ids: list[strawberry.ID] = strawberry.field(
        description="Accounts with whitespace in any of these product lines."
    )
    account_ids: list[strawberry.ID]


@strawberry.type(description="A capacity that replaces the stored one in this scenario.")
class CapacityOverride:
    id: strawberry.ID = strawberry.field(description="Partner or specialist ID.")
    capacity: int


@strawberry.type(description="An account and a partner (a pin or a forbid).")
class AccountPartner:
    account_id: strawberry.ID
    partner_id: strawberry.ID


@strawberry.type(description="Accounts with this much whitespace need this tier or better.")
class TierFloor:
    min_whitespace_cents: Cents
    tier: Tier


@strawberry.type(description="Minimum share of assigned whitespace for a partner track.")
class TrackShare:
    track: Track
    share: float


@strawberry.type(description="The solver's policies for this scenario.")
class Policy:
    must_cover: bool
    pins: list[AccountPartner]
    forbids: list[AccountPartner]
    tier_floor: TierFloor | None
    min_track_share: list[TrackShare]
    max_accounts_per_partner: int | None
    stickiness: float


@strawberry.type(description="Scope, capacity overrides, policies and time limit.")
class ScenarioParameters:
    scope: Scope
    partner_capacities: list[CapacityOverride]
    specialist_capacities: list[CapacityOverride]
    policy: Policy
    time_limit_s: float

    @classmethod
    def from_domain(cls, p: m.ScenarioParameters) -> Self:
        """Map the domain value (database ids become global ids)."""
        pol = p.policy

        def pairs(items: tuple[m.AccountPartner, ...]) -> list[AccountPartner]:
            return [
                AccountPartner(
                    account_id=strawberry.ID(encode_id("Account", x.account_id)),
                    partner_id=strawberry.ID(encode_id("Partner", x.partner_id)),
                )
                for x in items
            ]

        floor = pol.tier_floor
        return cls(
            scope=Scope(
                territory_ids=_ids("Territory", p.scope.territory_ids),
                coverage=p.scope.coverage,
                product_line_ids=_ids("ProductLine", p.scope.product_line_ids),
                account_ids=_ids("Account", p.scope.account_ids),
            ),
            partner_capacities=[
                CapacityOverride(id=strawberry.ID(encode_id("Partner", c.id)), capacity=c.capacity)
                for c in p.partner_capacities
            ],
            specialist_capacities=[
                CapacityOverride(
                    id=strawberry.ID(encode_id("Specialist", c.id)), capacity=c.capacity
                )
                for c in p.specialist_capacities
            ],
            policy=Policy(
                must_cover=pol.must_cover,
                pins=pairs(pol.pins),
                forbids=pairs(pol.forbids),
                tier_floor=None
                if floor is None
                else TierFloor(
                    min_whitespace_cents=Cents(floor.min_whitespace_cents), tier=floor.tier
                ),
                min_track_share=[TrackShare(track=t, share=s) for t, s in pol.min_track_share],
                max_accounts_per_partner=pol.max_accounts_per_partner,
                stickiness=pol.stickiness,
            ),
            time_limit_s=p.time_limit_s,
        )


@strawberry.input(description="Which accounts are in play (default: all UNNAMED accounts).")
class ScopeInput:
    territory_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    coverage: ScopeCoverage = ScopeCoverage.UNNAMED
    product_line_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    account_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="A capacity override: partner or specialist ID and capacity.")
class CapacityOverrideInput:
    id: strawberry.ID
    capacity: int


@strawberry.input(description="An account and a partner, by global ID.")
class AccountPartnerInput:
    account_id: strawberry.ID
    partner_id: strawberry.ID


@strawberry.input(description="Accounts with at least this whitespace need this tier or better.")
class TierFloorInput:
    min_whitespace_cents: Cents
    tier: Tier


@strawberry.input(description="Minimum share in [0, 1] of assigned whitespace for a track.")
class TrackShareInput:
    track: Track
    share: float


@strawberry.input(description="Solver policies; all optional.")
class PolicyInput:
    must_cover: bool = False
    pins: list[AccountPartnerInput] = strawberry.field(default_factory=list)
    forbids: list[AccountPartnerInput] = strawberry.field(default_factory=list)
    tier_floor: TierFloorInput | None = None
    min_track_share: list[TrackShareInput] = strawberry.field(default_factory=list)
    max_accounts_per_partner: int | None = None
    stickiness: float = 0.0


@strawberry.input(description="Scenario parameters; omitted parts take their defaults.")
class ScenarioParametersInput:
    scope: ScopeInput | None = None
    partner_capacities: list[CapacityOverrideInput] = strawberry.field(default_factory=list)
    specialist_capacities: list[CapacityOverrideInput] = strawberry.field(default_factory=list)
    policy: PolicyInput | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S

    def to_domain(self) -> m.ScenarioParameters:
        """Validated domain parameters; errors name ``parameters.<path>`` (snake case)."""
        scope = self.scope or ScopeInput()
        pol = self.policy or PolicyInput()

        def ids(kind: str, values: list[strawberry.ID], where: str) -> tuple[int, ...]:
            return tuple(decode_id(v, kind, f"{P}.{where}[{i}]") for i, v in enumerate(values))

        def pairs(items: list[AccountPartnerInput], where: str) -> tuple[m.AccountPartner, ...]:
            return tuple(
                m.AccountPartner(
                    decode_id(x.account_id, "Account", f"{P}.policy.{where}[{i}].account_id"),
                    decode_id(x.partner_id, "Partner", f"{P}.policy.{where}[{i}].partner_id"),
                )
                for i, x in enumerate(items)
            )

        def caps(
            items: list[CapacityOverrideInput], kind: str, where: str
        ) -> tuple[m.CapacityOverride, ...]:
            return tuple(
                m.CapacityOverride(decode_id(c.id, kind, f"{P}.{where}[{i}].id"), c.capacity)
                for i, c in enumerate(items)
            )

        floor = pol.tier_floor
        return m.ScenarioParameters(
            scope=m.Scope(
                territory_ids=ids("Territory", scope.territory_ids, "scope.territory_ids"),
                coverage=scope.coverage,
                product_line_ids=ids(
                    "ProductLine", scope.product_line_ids, "scope.product_line_ids"
                ),
                account_ids=ids("Account", scope.account_ids, "scope.account_ids"),
            ),
            partner_capacities=caps(self.partner_capacities, "Partner", "partner_capacities"),
            specialist_capacities=caps(
                self.specialist_capacities, "Specialist", "specialist_capacities"
            ),
            policy=m.Policy(
                must_cover=pol.must_cover,
                pins=pairs(pol.pins, "pins"),
                forbids=pairs(pol.forbids, "forbids"),
                tier_floor=None
                if floor is None
                else m.TierFloor(floor.min_whitespace_cents, floor.tier),
                min_track_share=tuple((t.track, t.share) for t in pol.min_track_share),
                max_accounts_per_partner=pol.max_accounts_per_partner,
                stickiness=pol.stickiness,
            ),
            time_limit_s=self.time_limit_s,
        )
