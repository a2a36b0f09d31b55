"""The synthetic channel generator: deterministic, structurally valid, realistically shaped."""

from collections import Counter

import pytest

from solver.synthetic import (
    LINE_CODES,
    TIERS,
    channel_policy,
    channel_to_problem,
    empty_policy,
    generate_channel,
)


def test_same_seed_same_channel_and_other_seed_differs() -> None:
    assert generate_channel(seed=3, accounts=200) == generate_channel(seed=3, accounts=200)
    assert generate_channel(seed=3, accounts=200) != generate_channel(seed=4, accounts=200)


def test_default_sizes_match_the_demo() -> None:
    channel = generate_channel()
    assert len(channel.accounts) == 5000
    assert len(channel.partners) == 250
    assert len(channel.territories) == 40
    assert len(channel.specialists) == 60
    assert [line.code for line in channel.product_lines] == list(LINE_CODES)
    assert {line.business_unit for line in channel.product_lines} == {"PSG", "IPG", "TSG"}


def test_references_are_consistent() -> None:
    channel = generate_channel(seed=1, accounts=1000, partners=60, territories=12, specialists=20)
    territories = {t.code for t in channel.territories}
    partners = {p.key: p for p in channel.partners}
    assert len({p.name.lower() for p in channel.partners}) == len(channel.partners)
    assert len({a.external_ref for a in channel.accounts}) == len(channel.accounts)
    for p in channel.partners:
        assert set(p.territories) <= territories and p.territories
        assert all(0.0 <= r <= 1.0 for r in p.attach_rates.values())
        assert set(p.attach_rates) <= set(LINE_CODES)
    for s in channel.specialists:
        assert s.territory in territories and s.product_line in LINE_CODES
        assert 0.0 <= s.lift <= 1.0 and s.capacity > 0
    for a in channel.accounts:
        assert a.territory in territories and a.workload > 0 and a.wallets
        assert all(w >= 0 and s >= 0 for w, s in a.wallets.values())
        if a.incumbent is not None:
            assert a.territory in partners[a.incumbent].territories


def test_structure_is_realistic() -> None:
    channel = generate_channel(seed=2)
    local = sum(len(p.territories) == 1 for p in channel.partners) / len(channel.partners)
    assert 0.6 < local < 0.9  # most partners serve one territory
    assert max(len(p.territories) for p in channel.partners) > 5  # a few regional ones
    incumbent = sum(a.incumbent is not None for a in channel.accounts) / len(channel.accounts)
    assert 0.25 < incumbent < 0.40  # about a third

    # Track-typical strengths: VOLUME beats ALLIANCE in PCs, ALLIANCE beats VOLUME in storage.
    def mean_rate(track: str, line: str) -> float:
        rates = [p.attach_rates.get(line, 0.0) for p in channel.partners if p.track == track]
        return sum(rates) / len(rates)

    assert mean_rate("VOLUME", "PCS") > 2 * mean_rate("ALLIANCE", "PCS")
    assert mean_rate("ALLIANCE", "STORAGE") > 2 * mean_rate("VOLUME", "STORAGE")
    # Tiers follow capacity: the mean capacity grows with the tier.
    by_tier = {t: [p.capacity for p in channel.partners if p.tier == t] for t in TIERS}
    means = [sum(c) / len(c) for c in by_tier.values()]
    assert means == sorted(means)
    # Heavy tail: the top 1 % of accounts hold far more than 1 % of the whitespace.
    totals = sorted((sum(a.whitespace.values()) for a in channel.accounts), reverse=True)
    assert sum(totals[:50]) > 0.1 * sum(totals)
    # Capacity well below the released workload.
    released = sum(a.workload for a in channel.accounts if a.coverage == "UNNAMED")
    assert sum(p.capacity for p in channel.partners) < 0.7 * released


def test_problem_dict_has_the_contract_shape() -> None:
    channel = generate_channel(seed=5, accounts=300, partners=20, territories=5, specialists=8)
    problem = channel_to_problem(channel, name="demo", unnamed_only=True)
    assert problem["format"] == "allot-problem/1"
    unnamed = [a for a in channel.accounts if a.coverage == "UNNAMED"]
    assert [a["id"] for a in problem["accounts"]] == [a.external_ref for a in unnamed]
    assert problem["policy"] == empty_policy()
    every = channel_to_problem(channel, name="demo")
    assert len(every["accounts"]) == 300


def test_policy_has_every_rule_and_pins_fit_capacity() -> None:
    channel = generate_channel(seed=6, accounts=4000, partners=100, territories=10)
    policy = channel_policy(channel, seed=6)
    assert policy["pins"] and policy["forbids"] and policy["tier_floor"]
    assert policy["min_track_share"] and policy["max_accounts_per_partner"]
    assert policy["stickiness"] > 0
    workload = {a.external_ref: a.workload for a in channel.accounts}
    pinned: Counter[str] = Counter()
    for pin in policy["pins"]:
        pinned[pin["partner"]] += workload[pin["account"]]
    capacity = {p.key: p.capacity for p in channel.partners}
    assert all(load <= capacity[p] for p, load in pinned.items())


@pytest.mark.parametrize("field", ["partners", "territories"])
def test_rejects_empty_partner_or_territory_lists(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        generate_channel(**{field: 0})  # type: ignore[arg-type]
