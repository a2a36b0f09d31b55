"""Validated input values for the write operations and the list filters.

Each value checks its own fields on construction (``Invalid(field, rule)`` names the first bad
one), so a repository only ever sees values that the database CHECKs will accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from db import validation as v
from db.models import KEEP, Coverage, Patch, Segment, Tier, Track


@dataclass(frozen=True, slots=True)
class NewPartner:
    """A partner to create."""

    name: str
    track: Track
    tier: Tier
    capacity: int
    active: bool = True

    def __post_init__(self) -> None:
        v.text("name", self.name)
        v.int_range("capacity", self.capacity)


@dataclass(frozen=True, slots=True)
class PartnerPatch:
    """Changes to a partner; ``KEEP`` leaves a field as it is."""

    name: Patch[str] = KEEP
    track: Patch[Track] = KEEP
    tier: Patch[Tier] = KEEP
    capacity: Patch[int] = KEEP
    active: Patch[bool] = KEEP

    def __post_init__(self) -> None:
        if self.name is not KEEP:
            v.text("name", self.name)
        if self.capacity is not KEEP:
            v.int_range("capacity", self.capacity)


@dataclass(frozen=True, slots=True)
class CompetencyValue:
    """A partner's attach rate for one product line (rounded to 4 decimals)."""

    product_line_id: int
    attach_rate: Decimal

    @classmethod
    def of(cls, product_line_id: int, attach_rate: float | Decimal, index: int) -> CompetencyValue:
        """Validate one entry of a competency list; errors name ``competencies.<index>``."""
        return cls(product_line_id, v.rate(f"competencies.{index}.attach_rate", attach_rate))


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An account to create."""

    external_ref: str
    name: str
    territory_id: int
    segment: Segment
    workload: int
    coverage: Coverage = Coverage.NAMED
    incumbent_partner_id: int | None = None

    def __post_init__(self) -> None:
        v.text("external_ref", self.external_ref, max_length=64)
        v.text("name", self.name)
        v.int_range("workload", self.workload, minimum=1)


@dataclass(frozen=True, slots=True)
class AccountPatch:
    """Changes to an account; ``incumbent_partner_id=None`` clears the incumbent."""

    name: Patch[str] = KEEP
    territory_id: Patch[int] = KEEP
    segment: Patch[Segment] = KEEP
    workload: Patch[int] = KEEP
    coverage: Patch[Coverage] = KEEP
    incumbent_partner_id: Patch[int | None] = KEEP

    def __post_init__(self) -> None:
        if self.name is not KEEP:
            v.text("name", self.name)
        if self.workload is not KEEP:
            v.int_range("workload", self.workload, minimum=1)


@dataclass(frozen=True, slots=True)
class WalletValue:
    """An account's wallet and spend for one product line, in cents."""

    account_id: int
    product_line_id: int
    wallet_cents: int
    spend_cents: int

    def __post_init__(self) -> None:
        v.int_range("wallet_cents", self.wallet_cents, maximum=v.MAX_INT64)
        v.int_range("spend_cents", self.spend_cents, maximum=v.MAX_INT64)


@dataclass(frozen=True, slots=True)
class NewSpecialist:
    """A specialist to create."""

    name: str
    territory_id: int
    product_line_id: int
    capacity: int
    lift: Decimal
    email: str | None = None

    def __post_init__(self) -> None:
        v.text("name", self.name)
        v.int_range("capacity", self.capacity)
        if self.email is not None:
            v.email("email", self.email)
        object.__setattr__(self, "lift", v.rate("lift", self.lift))


@dataclass(frozen=True, slots=True)
class SpecialistPatch:
    """Changes to a specialist; ``email=None`` clears the e-mail."""

    name: Patch[str] = KEEP
    email: Patch[str | None] = KEEP
    territory_id: Patch[int] = KEEP
    product_line_id: Patch[int] = KEEP
    capacity: Patch[int] = KEEP
    lift: Patch[Decimal] = KEEP

    def __post_init__(self) -> None:
        if self.name is not KEEP:
            v.text("name", self.name)
        if self.capacity is not KEEP:
            v.int_range("capacity", self.capacity)
        if self.email is not KEEP and self.email is not None:
            v.email("email", self.email)
        if self.lift is not KEEP:
            object.__setattr__(self, "lift", v.rate("lift", self.lift))


def search_text(field_name: str, value: str | None) -> str | None:
    """A name-search string (1..200 characters, no NUL bytes), or None for no search."""
    return None if value is None else v.text(field_name, value)


@dataclass(frozen=True, slots=True)
class PartnerFilter:
    """Which partners to list; every field is optional and they combine with AND."""

    track: Track | None = None
    tier: Tier | None = None
    territory_id: int | None = None
    competency_line_id: int | None = None
    min_rate: Decimal | None = None
    active: bool | None = None
    name_search: str | None = None

    def __post_init__(self) -> None:
        search_text("name_search", self.name_search)
        if self.min_rate is not None:
            object.__setattr__(self, "min_rate", v.rate("min_rate", self.min_rate))


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """Which accounts to list; ``min_whitespace_cents`` applies to ``product_line_id``."""

    coverage: Coverage | None = None
    territory_id: int | None = None
    incumbent_partner_id: int | None = None
    product_line_id: int | None = None
    min_whitespace_cents: int | None = None
    name_search: str | None = None

    def __post_init__(self) -> None:
        search_text("name_search", self.name_search)
        if self.min_whitespace_cents is not None:
            v.int_range("min_whitespace_cents", self.min_whitespace_cents, maximum=v.MAX_INT64)


class AccountOrder(StrEnum):
    """Account list orders, each backed by an index."""

    TOTAL_WHITESPACE_DESC = "TOTAL_WHITESPACE_DESC"
    NAME_ASC = "NAME_ASC"


@dataclass(frozen=True, slots=True)
class SpecialistFilter:
    """Which specialists to list."""

    territory_id: int | None = None
    product_line_id: int | None = None
