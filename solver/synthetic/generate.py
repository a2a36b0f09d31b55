"""Generating a channel: territories, accounts, partners, incumbents, specialists."""

from __future__ import annotations

import numpy as np

from solver.synthetic.specs import (
    AccountSpec,
    PartnerSpec,
    ProductLineSpec,
    SpecialistSpec,
    SyntheticChannel,
    TerritorySpec,
)
from solver.synthetic.vocabulary import (
    ACCOUNT_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    LINE_CODES,
    NAME_STEMS,
    PARTNER_SUFFIX,
    PARTNER_WORDS,
    PRODUCT_LINES,
    REGIONS,
    SEGMENT_LINE_PROBABILITY,
    SEGMENT_NAMED,
    SEGMENT_WALLET_DOLLARS,
    SEGMENT_WEIGHTS,
    SEGMENT_WORKLOAD,
    SEGMENTS,
    SPECIALIST_LINE_WEIGHTS,
    TIERS,
    TRACK_PROFILE,
    TRACK_WEIGHTS,
    TRACKS,
)


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
    stems = rng.integers(0, len(NAME_STEMS), count)
    words = rng.integers(0, len(ACCOUNT_WORDS), count)
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
                name=f"{NAME_STEMS[stems[i]]} {ACCOUNT_WORDS[words[i]]} {t.name}",
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
            f"{NAME_STEMS[rng.integers(len(NAME_STEMS))]} "
            f"{PARTNER_WORDS[rng.integers(len(PARTNER_WORDS))]} "
            f"{PARTNER_SUFFIX[rng.integers(len(PARTNER_SUFFIX))]}"
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
        first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
        last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
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
