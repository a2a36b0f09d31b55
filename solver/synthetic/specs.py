"""The generated channel as frozen values, in the shape the database rows take."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductLineSpec:
    """A product line: code, display name and business unit."""

    code: str
    name: str
    business_unit: str


@dataclass(frozen=True)
class TerritorySpec:
    """A sales territory: code (unique), name and region."""

    code: str
    name: str
    region: str


@dataclass(frozen=True)
class PartnerSpec:
    """A partner keyed by `key` (unique), with the territory codes it serves and its attach
    rates per product line code (lines it does not sell are absent)."""

    key: str
    name: str
    track: str
    tier: str
    capacity: int
    territories: tuple[str, ...]
    attach_rates: dict[str, float]


@dataclass(frozen=True)
class SpecialistSpec:
    """A product specialist of one product line in one territory."""

    key: str
    name: str
    email: str
    territory: str
    product_line: str
    capacity: int
    lift: float


@dataclass(frozen=True)
class AccountSpec:
    """An account; `wallets` maps product line code to (wallet cents, current spend cents)."""

    external_ref: str
    name: str
    territory: str
    segment: str
    workload: int
    coverage: str
    incumbent: str | None
    wallets: dict[str, tuple[int, int]]

    @property
    def whitespace(self) -> dict[str, int]:
        """Whitespace per product line in cents: max(0, wallet - spend)."""
        return {line: max(0, w - s) for line, (w, s) in self.wallets.items()}


@dataclass(frozen=True)
class SyntheticChannel:
    """A whole generated channel, in the order the rows should be written."""

    seed: int
    product_lines: tuple[ProductLineSpec, ...]
    territories: tuple[TerritorySpec, ...]
    partners: tuple[PartnerSpec, ...]
    specialists: tuple[SpecialistSpec, ...]
    accounts: tuple[AccountSpec, ...]
