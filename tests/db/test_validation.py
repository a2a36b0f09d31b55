"""Field rules of the write inputs (db.validation, db.inputs): each names its field and rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.errors import Invalid
from db.inputs import NewPartner, NewSpecialist, WalletValue
from db.models import Tier, Track
from db.validation import rate, text


@pytest.mark.parametrize(
    ("value", "rule"),
    [("", "required"), (" \t", "required"), ("a\x00", "no_nul_bytes"), ("x" * 201, "max_length")],
)
def test_text_rules(value: str, rule: str) -> None:
    with pytest.raises(Invalid) as caught:
        text("name", value)
    assert (caught.value.field, caught.value.rule) == ("name", rule)


def test_text_accepts_the_limits() -> None:
    assert text("name", "x" * 200) == "x" * 200
    assert text("name", "é") == "é"


@pytest.mark.parametrize("value", [-0.0001, 1.0001, Decimal("NaN"), Decimal("Infinity")])
def test_rate_outside_zero_one(value: float | Decimal) -> None:
    with pytest.raises(Invalid) as caught:
        rate("lift", value)
    assert caught.value.rule == "rate_0_1"


def test_rate_rounds_to_the_stored_precision() -> None:
    assert rate("lift", 0.12345) == Decimal("0.1234")  # half-even
    assert rate("lift", 1) == Decimal("1.0000")


def test_inputs_check_their_fields() -> None:
    with pytest.raises(Invalid) as caught:
        NewPartner("P", Track.VALUE, Tier.GOLD, capacity=-1)
    assert (caught.value.field, caught.value.rule) == ("capacity", "non_negative")
    with pytest.raises(Invalid) as caught:
        WalletValue(1, 1, wallet_cents=5, spend_cents=2**63)
    assert (caught.value.field, caught.value.rule) == ("spend_cents", "max")
    with pytest.raises(Invalid) as caught:
        NewSpecialist("S", 1, 1, capacity=1, lift=Decimal("0.1"), email="no-at-sign")
    assert (caught.value.field, caught.value.rule) == ("email", "email")
