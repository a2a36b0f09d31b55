"""Frozen domain values for the channel master data, mapped once from database rows.

The same vocabulary flows from rows to GraphQL types (``Type.from_domain``) and to solver input.
Money is integer cents; rates are ``Decimal`` in [0, 1] exactly as stored (numeric(5, 4)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Final, Literal, NamedTuple, TypeAlias, TypeVar

import asyncpg


class BusinessUnit(StrEnum):
    """Business unit a product line belongs to."""

    PSG = "PSG"
    IPG = "IPG"
    TSG = "TSG"


class Track(StrEnum):
    """Partner programme track."""

    VOLUME = "VOLUME"
    VALUE = "VALUE"
    ALLIANCE = "ALLIANCE"
    OEM = "OEM"


class Tier(StrEnum):
    """Partner tier, SILVER < GOLD < PLATINUM."""

    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


class Segment(StrEnum):
    """Account size segment."""

    SMB = "SMB"
    MID_MARKET = "MID_MARKET"
    ENTERPRISE = "ENTERPRISE"


class Coverage(StrEnum):
    """Who covers an account: the vendor's own sales force (NAMED) or the channel (UNNAMED)."""

    NAMED = "NAMED"
    UNNAMED = "UNNAMED"


class Keep(Enum):
    """Sentinel for patches: leave this field as it is (distinct from None = set to NULL)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
T = TypeVar("T")
Patch: TypeAlias = T | Literal[Keep.KEEP]
"""A patch field: the new value, or ``KEEP`` to leave it unchanged."""


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A product line (PCS, PRINT, ...) in a business unit."""

    id: int
    code: str
    name: str
    business_unit: BusinessUnit

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> ProductLine:
        """Map a ``product_lines`` row."""
        return cls(row["id"], row["code"], row["name"], BusinessUnit(row["business_unit"]))


@dataclass(frozen=True, slots=True)
class Territory:
    """A sales territory."""

    id: int
    code: str
    name: str
    region: str

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Territory:
        """Map a ``territories`` row."""
        return cls(row["id"], row["code"], row["name"], row["region"])


@dataclass(frozen=True, slots=True)
class Partner:
    """A channel partner; capacity is in workload units."""

    id: int
    name: str
    track: Track
    tier: Tier
    capacity: int
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Partner:
        """Map a ``partners`` row."""
        return cls(
            row["id"],
            row["name"],
            Track(row["track"]),
            Tier(row["tier"]),
            row["capacity"],
            row["active"],
            row["created_at"],
            row["updated_at"],
        )


class PartnerCompetency(NamedTuple):
    """How well a partner sells one product line: its attach rate in [0, 1].

    A NamedTuple for the same reason as ``Wallet`` (hundreds per API page of partners).
    """

    partner_id: int
    product_line_id: int
    attach_rate: Decimal

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> PartnerCompetency:
        """Map a ``partner_competencies`` row."""
        return cls(row["partner_id"], row["product_line_id"], row["attach_rate"])


@dataclass(frozen=True, slots=True)
class Account:
    """A customer account; total whitespace is the sum over its wallets (kept by triggers)."""

    id: int
    external_ref: str
    name: str
    territory_id: int
    segment: Segment
    workload: int
    coverage: Coverage
    incumbent_partner_id: int | None
    total_whitespace_cents: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Account:
        """Map an ``accounts`` row."""
        return cls(
            row["id"],
            row["external_ref"],
            row["name"],
            row["territory_id"],
            Segment(row["segment"]),
            row["workload"],
            Coverage(row["coverage"]),
            row["incumbent_partner_id"],
            row["total_whitespace"],
            row["created_at"],
            row["updated_at"],
        )


class Wallet(NamedTuple):
    """An account's wallet and current spend for one product line; whitespace is the gap.

    A NamedTuple (immutable like the frozen dataclasses here) rather than a frozen dataclass:
    an API page of 50 accounts makes about 365 of them, and a frozen dataclass takes twice as
    long to make (bench/RESULTS.md "API").
    """

    account_id: int
    product_line_id: int
    wallet_cents: int
    spend_cents: int
    whitespace_cents: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Wallet:
        """Map an ``account_wallets`` row."""
        return cls(
            row["account_id"],
            row["product_line_id"],
            row["wallet_cents"],
            row["spend_cents"],
            row["whitespace_cents"],
        )


@dataclass(frozen=True, slots=True)
class Specialist:
    """A product specialist of one line in one territory; capacity counts accounts."""

    id: int
    name: str
    email: str | None
    territory_id: int
    product_line_id: int
    capacity: int
    lift: Decimal
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Specialist:
        """Map a ``specialists`` row."""
        return cls(
            row["id"],
            row["name"],
            row["email"],
            row["territory_id"],
            row["product_line_id"],
            row["capacity"],
            row["lift"],
            row["created_at"],
            row["updated_at"],
        )
