"""A deterministic synthetic channel: one generator behind `allot seed` and `allot gen-problem`.

The structure imitates a hardware vendor's channel: most partners are local to one territory
and a few serve a whole region; each track is strong in its typical product lines; account
sizes are heavy-tailed; about a third of the accounts have an incumbent partner; tiers follow
capacity; and partner capacity is well below the workload of the accounts, so that choosing
matters. The same `SyntheticChannel` is written to PostgreSQL by `db.seed` and turned into an
``allot-problem/1`` dict by `channel_to_problem`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

PRODUCT_LINES: tuple[tuple[str, str, str], ...] = (
    ("PCS", "Personal computers", "PSG"),
    ("PRINT", "Printers", "IPG"),
    ("SUPPLIES", "Print supplies", "IPG"),
    ("MPS", "Managed print services", "IPG"),
    ("SERVERS", "Servers", "TSG"),
    ("STORAGE", "Storage", "TSG"),
    ("NETWORKING", "Networking", "TSG"),
    ("SERVICES", "IT services", "TSG"),
)
LINE_CODES: tuple[str, ...] = tuple(code for code, _, _ in PRODUCT_LINES)

TRACKS: tuple[str, ...] = ("VOLUME", "VALUE", "ALLIANCE", "OEM")
TRACK_WEIGHTS = np.array([0.45, 0.25, 0.20, 0.10])
TIERS: tuple[str, ...] = ("SILVER", "GOLD", "PLATINUM")

# Typical attach rate of each track in each product line (order of LINE_CODES).
TRACK_PROFILE: dict[str, tuple[float, ...]] = {
    "VOLUME": (0.35, 0.30, 0.30, 0.05, 0.05, 0.03, 0.05, 0.03),
    "VALUE": (0.12, 0.20, 0.25, 0.35, 0.05, 0.05, 0.05, 0.30),
    "ALLIANCE": (0.08, 0.03, 0.03, 0.03, 0.35, 0.30, 0.30, 0.20),
    "OEM": (0.20, 0.08, 0.08, 0.05, 0.15, 0.08, 0.08, 0.05),
}
# How likely an account of each segment buys each product line (order of LINE_CODES).
SEGMENT_LINE_PROBABILITY: dict[str, tuple[float, ...]] = {
    "SMB": (0.95, 0.80, 0.80, 0.15, 0.30, 0.20, 0.40, 0.25),
    "MID_MARKET": (0.95, 0.85, 0.85, 0.40, 0.70, 0.55, 0.70, 0.50),
    "ENTERPRISE": (0.95, 0.90, 0.90, 0.70, 0.95, 0.90, 0.90, 0.85),
}
SEGMENTS: tuple[str, ...] = ("SMB", "MID_MARKET", "ENTERPRISE")
SEGMENT_WEIGHTS = np.array([0.70, 0.22, 0.08])
# Median total wallet in dollars and median workload units per segment.
SEGMENT_WALLET_DOLLARS = np.array([40_000.0, 350_000.0, 2_500_000.0])
SEGMENT_WORKLOAD = np.array([1.5, 4.0, 12.0])
# Probability that an account of each segment stays NAMED (covered by direct sales).
SEGMENT_NAMED = np.array([0.08, 0.30, 0.70])
# Specialists concentrate on the lines where partners are typically weak.
SPECIALIST_LINE_WEIGHTS = np.array([0.04, 0.06, 0.02, 0.14, 0.20, 0.22, 0.16, 0.16])

REGIONS: dict[str, tuple[str, ...]] = {
    "AMS": (
        "Boston",
        "New York",
        "Chicago",
        "Atlanta",
        "Dallas",
        "Denver",
        "Seattle",
        "San Francisco",
        "Los Angeles",
        "Toronto",
        "Mexico City",
        "Sao Paulo",
        "Buenos Aires",
        "Miami",
        "Phoenix",
    ),
    "EMEA": (
        "London",
        "Paris",
        "Frankfurt",
        "Munich",
        "Madrid",
        "Milan",
        "Amsterdam",
        "Stockholm",
        "Warsaw",
        "Zurich",
        "Vienna",
        "Dubai",
        "Johannesburg",
        "Dublin",
        "Prague",
    ),
    "APJ": (
        "Tokyo",
        "Osaka",
        "Seoul",
        "Shanghai",
        "Singapore",
        "Sydney",
        "Melbourne",
        "Mumbai",
        "Bangalore",
        "Jakarta",
        "Bangkok",
        "Auckland",
        "Manila",
        "Taipei",
        "Hong Kong",
    ),
}
_NAME_STEMS = (
    "Northwind",
    "Bluewater",
    "Ironbridge",
    "Silverline",
    "Redwood",
    "Summit",
    "Harbor",
    "Keystone",
    "Brightpath",
    "Crescent",
    "Granite",
    "Evergreen",
    "Falcon",
    "Meridian",
    "Pioneer",
    "Sterling",
    "Vertex",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Horizon",
    "Lakeside",
    "Orion",
    "Quantum",
    "Riverside",
)
_PARTNER_WORDS = (
    "Systems",
    "Solutions",
    "Technologies",
    "Networks",
    "Digital",
    "IT",
    "Computing",
    "Office",
    "Integration",
    "Data",
)
_PARTNER_SUFFIX = ("Ltd", "Inc", "GmbH", "SA", "BV", "Pty", "LLC", "AG", "KK", "Group")
_ACCOUNT_WORDS = (
    "Logistics",
    "Health",
    "Foods",
    "Motors",
    "Energy",
    "Capital",
    "Retail",
    "Pharma",
    "Textiles",
    "Media",
    "Insurance",
    "Construction",
    "Labs",
    "Hotels",
    "Airlines",
    "Bank",
    "University",
    "Council",
    "Clinic",
    "Dental",
)
_FIRST = (
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Elif",
    "Femi",
    "Goran",
    "Hana",
    "Ivan",
    "Jules",
    "Kenji",
    "Lara",
    "Marta",
    "Nikhil",
    "Olga",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoe",
)
_LAST = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Müller",
    "Nakamura",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
)


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


def generate_channel(
    seed: int = 0,
    accounts: int = 5000,
    partners: int = 250,
    territories: int = 40,
    specialists: int = 60,
    capacity_ratio: float = 0.6,
) -> SyntheticChannel:
    """Generate a realistic channel, identical for identical arguments.

    `capacity_ratio` is total partner capacity over the total workload of the released
    (UNNAMED) accounts: below 1 means partners cannot take every account.
    """
    counts = {
        "accounts": accounts,
        "partners": partners,
        "territories": territories,
        "specialists": specialists,
    }
    for field, value in counts.items():
        minimum = 1 if field in ("partners", "territories") else 0
        if value < minimum:
            raise ValueError(f"{field}: must be >= {minimum}")
    if not capacity_ratio > 0:
        raise ValueError("capacity_ratio: must be > 0")
    rng = np.random.default_rng(seed)
    lines = tuple(ProductLineSpec(*row) for row in PRODUCT_LINES)
    terrs = _territories(territories)
    account_specs, territory_weight = _accounts(rng, accounts, terrs)
    partner_specs = _partners(rng, partners, terrs, territory_weight, account_specs, capacity_ratio)
    account_specs = _with_incumbents(rng, account_specs, partner_specs)
    specialist_specs = _specialists(rng, specialists, terrs, territory_weight)
    return SyntheticChannel(seed, lines, terrs, partner_specs, specialist_specs, account_specs)


def _territories(count: int) -> tuple[TerritorySpec, ...]:
    """Territories spread round-robin over the regions, named after cities."""
    regions = list(REGIONS)
    out = []
    for i in range(count):
        region = regions[i % len(regions)]
        cities = REGIONS[region]
        k = i // len(regions)
        city = cities[k % len(cities)]
        suffix = "" if k < len(cities) else f" {k // len(cities) + 1}"
        out.append(TerritorySpec(f"{region}-{i + 1:03d}", f"{city}{suffix}", region))
    return tuple(out)


def _accounts(
    rng: np.random.Generator, count: int, terrs: tuple[TerritorySpec, ...]
) -> tuple[tuple[AccountSpec, ...], np.ndarray]:
    """Accounts with heavy-tailed wallets and workloads; returns them and territory weights."""
    territory_weight = rng.lognormal(0.0, 0.6, len(terrs))
    territory_weight /= territory_weight.sum()
    terr_idx = rng.choice(len(terrs), size=count, p=territory_weight)
    seg_idx = rng.choice(len(SEGMENTS), size=count, p=SEGMENT_WEIGHTS)
    wallet_dollars = SEGMENT_WALLET_DOLLARS[seg_idx] * rng.lognormal(0.0, 0.9, count)
    workload = np.maximum(
        1, np.round(SEGMENT_WORKLOAD[seg_idx] * rng.lognormal(0.0, 0.5, count))
    ).astype(np.int64)
    named = rng.random(count) < SEGMENT_NAMED[seg_idx]
    line_prob = np.array([SEGMENT_LINE_PROBABILITY[s] for s in SEGMENTS])[seg_idx]
    buys = rng.random((count, len(LINE_CODES))) < line_prob
    buys[np.arange(count), 0] |= ~buys.any(axis=1)  # everyone buys something
    mix = rng.gamma(1.0, 1.0, (count, len(LINE_CODES))) * buys
    mix /= mix.sum(axis=1, keepdims=True)
    wallet_cents = np.round(wallet_dollars[:, None] * mix * 100.0).astype(np.int64)
    captured = rng.uniform(0.0, 0.85, (count, len(LINE_CODES)))
    over = rng.random((count, len(LINE_CODES))) < 0.03  # spend above wallet: no whitespace
    captured[over] = rng.uniform(1.0, 1.2, int(over.sum()))
    spend_cents = np.round(wallet_cents * captured).astype(np.int64)
    stems = rng.integers(0, len(_NAME_STEMS), count)
    words = rng.integers(0, len(_ACCOUNT_WORDS), count)
    out = []
    for i in range(count):
        wallets = {
            LINE_CODES[j]: (int(wallet_cents[i, j]), int(spend_cents[i, j]))
            for j in np.flatnonzero(buys[i])
        }
        t = terrs[int(terr_idx[i])]
        out.append(
            AccountSpec(
                external_ref=f"A{i + 1:07d}",
                name=f"{_NAME_STEMS[stems[i]]} {_ACCOUNT_WORDS[words[i]]} {t.name}",
                territory=t.code,
                segment=SEGMENTS[int(seg_idx[i])],
                workload=int(workload[i]),
                coverage="NAMED" if named[i] else "UNNAMED",
                incumbent=None,
                wallets=wallets,
            )
        )
    return tuple(out), territory_weight


def _partners(
    rng: np.random.Generator,
    count: int,
    terrs: tuple[TerritorySpec, ...],
    territory_weight: np.ndarray,
    accounts: tuple[AccountSpec, ...],
    capacity_ratio: float,
) -> tuple[PartnerSpec, ...]:
    """Mostly local partners, some multi-territory, a few serving their whole region."""
    by_region: dict[str, list[int]] = {}
    for i, t in enumerate(terrs):
        by_region.setdefault(t.region, []).append(i)
    track_idx = rng.choice(len(TRACKS), size=count, p=TRACK_WEIGHTS)
    reach = rng.choice(3, size=count, p=[0.75, 0.20, 0.05])  # local, multi, national
    home = rng.choice(len(terrs), size=count, p=territory_weight)
    size = rng.lognormal(0.0, 0.8, count) * np.array([1.0, 2.0, 6.0])[reach]
    served: list[tuple[int, ...]] = []
    for i in range(count):
        peers = by_region[terrs[int(home[i])].region]
        if reach[i] == 0:
            chosen = [int(home[i])]
        elif reach[i] == 1:
            extra = rng.choice(peers, size=min(len(peers), int(rng.integers(2, 4))), replace=False)
            chosen = sorted({int(home[i]), *(int(e) for e in extra)})
        else:
            chosen = list(peers)
        served.append(tuple(chosen))
    released_workload = sum(a.workload for a in accounts if a.coverage == "UNNAMED")
    scale = capacity_ratio * max(released_workload, count) / float(size.sum())
    capacity = np.maximum(1, np.round(size * scale)).astype(np.int64)
    rank = size.argsort().argsort() / max(1, count - 1)  # 0 = smallest, 1 = largest
    tier_score = rank + rng.normal(0.0, 0.12, count)
    tier_idx = np.digitize(tier_score, [0.5, 0.85])
    names = _unique_partner_names(rng, count)
    out = []
    for i in range(count):
        track = TRACKS[int(track_idx[i])]
        rates = _attach_rates(rng, TRACK_PROFILE[track])
        out.append(
            PartnerSpec(
                key=f"P{i + 1:05d}",
                name=names[i],
                track=track,
                tier=TIERS[int(tier_idx[i])],
                capacity=int(capacity[i]),
                territories=tuple(terrs[j].code for j in served[i]),
                attach_rates=rates,
            )
        )
    return tuple(out)


def _attach_rates(rng: np.random.Generator, profile: tuple[float, ...]) -> dict[str, float]:
    """A partner's rates: its track's profile with noise; weak lines are often absent."""
    rates: dict[str, float] = {}
    for code, base in zip(LINE_CODES, profile, strict=True):
        if base < 0.1 and rng.random() < 0.5:
            continue
        rate = min(0.9, base * float(rng.lognormal(0.0, 0.35)))
        rates[code] = round(rate, 4)
    return rates


def _unique_partner_names(rng: np.random.Generator, count: int) -> list[str]:
    """Partner names, unique ignoring case (a numbered suffix breaks ties)."""
    seen: set[str] = set()
    names = []
    for _ in range(count):
        base = (
            f"{_NAME_STEMS[rng.integers(len(_NAME_STEMS))]} "
            f"{_PARTNER_WORDS[rng.integers(len(_PARTNER_WORDS))]} "
            f"{_PARTNER_SUFFIX[rng.integers(len(_PARTNER_SUFFIX))]}"
        )
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base} {n}"
        seen.add(name.lower())
        names.append(name)
    return names


def _with_incumbents(
    rng: np.random.Generator, accounts: tuple[AccountSpec, ...], partners: tuple[PartnerSpec, ...]
) -> tuple[AccountSpec, ...]:
    """About a third of the accounts get an incumbent among the partners of their territory,
    more likely a partner strong in the account's largest product line."""
    by_territory: dict[str, list[int]] = {}
    for i, p in enumerate(partners):
        for t in p.territories:
            by_territory.setdefault(t, []).append(i)
    has_incumbent = rng.random(len(accounts)) < 1 / 3
    out = []
    for a, flag in zip(accounts, has_incumbent, strict=True):
        candidates = by_territory.get(a.territory, [])
        if not flag or not candidates:
            out.append(a)
            continue
        top_line = max(a.wallets, key=lambda line: a.wallets[line][0])
        weight = np.array([0.02 + partners[i].attach_rates.get(top_line, 0.0) for i in candidates])
        pick = candidates[int(rng.choice(len(candidates), p=weight / weight.sum()))]
        out.append(
            AccountSpec(
                a.external_ref,
                a.name,
                a.territory,
                a.segment,
                a.workload,
                a.coverage,
                partners[pick].key,
                a.wallets,
            )
        )
    return tuple(out)


def _specialists(
    rng: np.random.Generator,
    count: int,
    terrs: tuple[TerritorySpec, ...],
    territory_weight: np.ndarray,
) -> tuple[SpecialistSpec, ...]:
    """Specialists: every territory gets one before any gets a second, larger ones more."""
    order = list(range(len(terrs)))
    extra = rng.choice(len(terrs), size=max(0, count - len(terrs)), p=territory_weight)
    slots = (order + [int(e) for e in extra])[:count]
    line_idx = rng.choice(len(LINE_CODES), size=count, p=SPECIALIST_LINE_WEIGHTS)
    out = []
    for i, t in enumerate(slots):
        first = _FIRST[int(rng.integers(len(_FIRST)))]
        last = _LAST[int(rng.integers(len(_LAST)))]
        out.append(
            SpecialistSpec(
                key=f"S{i + 1:05d}",
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}.{i + 1}@vendor.example",
                territory=terrs[t].code,
                product_line=LINE_CODES[int(line_idx[i])],
                capacity=int(rng.integers(15, 80)),
                lift=round(float(rng.uniform(0.05, 0.30)), 4),
            )
        )
    return tuple(out)


def channel_to_problem(
    channel: SyntheticChannel,
    *,
    name: str,
    policy: dict[str, Any] | None = None,
    unnamed_only: bool = False,
) -> dict[str, Any]:
    """The channel as an ``allot-problem/1`` dict (all accounts, or only the UNNAMED ones).

    Partner, specialist and account ids are the channel's keys and external refs.
    """
    accounts = [a for a in channel.accounts if not unnamed_only or a.coverage == "UNNAMED"]
    return {
        "format": "allot-problem/1",
        "name": name,
        "product_lines": [line.code for line in channel.product_lines],
        "territories": [t.code for t in channel.territories],
        "partners": [
            {
                "id": p.key,
                "track": p.track,
                "tier": p.tier,
                "capacity": p.capacity,
                "territories": list(p.territories),
                "attach_rates": dict(p.attach_rates),
            }
            for p in channel.partners
        ],
        "specialists": [
            {
                "id": s.key,
                "territory": s.territory,
                "product_line": s.product_line,
                "capacity": s.capacity,
                "lift": s.lift,
            }
            for s in channel.specialists
        ],
        "accounts": [
            {
                "id": a.external_ref,
                "territory": a.territory,
                "workload": a.workload,
                "incumbent": a.incumbent,
                "whitespace": a.whitespace,
            }
            for a in accounts
        ],
        "pairs": [],
        "policy": policy if policy is not None else empty_policy(),
    }


def empty_policy() -> dict[str, Any]:
    """A policy with every rule off: may leave accounts unassigned, nothing pinned."""
    return {
        "must_cover": False,
        "pins": [],
        "forbids": [],
        "tier_floor": None,
        "min_track_share": {},
        "max_accounts_per_partner": None,
        "stickiness": 0.0,
    }


def channel_policy(
    channel: SyntheticChannel, seed: int = 0, *, unnamed_only: bool = False
) -> dict[str, Any]:
    """A policy with every rule active and feasible by construction: a few pins (never more
    than a third of a partner's capacity), forbids, a GOLD floor for the largest 5 % of
    accounts, a VALUE share, a cap on accounts per partner that binds for large partners,
    and a stickiness penalty of 2 % of an account's whitespace."""
    rng = np.random.default_rng(seed + 7919)
    accounts = [a for a in channel.accounts if not unnamed_only or a.coverage == "UNNAMED"]
    by_territory: dict[str, list[PartnerSpec]] = {}
    for p in channel.partners:
        for t in p.territories:
            by_territory.setdefault(t, []).append(p)
    totals = np.array([sum(a.whitespace.values()) for a in accounts], dtype=np.float64)
    floor = int(np.quantile(totals, 0.95)) if len(totals) else 0
    pin_room = {p.key: p.capacity // 3 for p in channel.partners}
    pins, forbids = [], []
    for a, total, r in zip(accounts, totals, rng.random(len(accounts)), strict=True):
        eligible = by_territory.get(a.territory, [])
        if not eligible:
            continue
        p = eligible[int(rng.integers(len(eligible)))]
        if (
            r < 0.005
            and pin_room[p.key] >= a.workload
            and (total < floor or TIERS.index(p.tier) >= TIERS.index("GOLD"))
        ):
            pin_room[p.key] -= a.workload
            pins.append({"account": a.external_ref, "partner": p.key})
        elif 0.005 <= r < 0.015 and len(eligible) > 1:
            forbids.append({"account": a.external_ref, "partner": p.key})
    per_partner = len(accounts) / max(1, len(channel.partners))
    return {
        "must_cover": False,
        "pins": pins,
        "forbids": forbids,
        "tier_floor": {"min_whitespace": floor, "tier": "GOLD"},
        "min_track_share": {"VALUE": 0.12},
        "max_accounts_per_partner": max(1, math.ceil(2 * per_partner)),
        "stickiness": 0.02,
    }
