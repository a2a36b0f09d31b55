"""Field rules shared by the write inputs: each check raises ``Invalid(field, rule)``.

The database CHECKs say the same; checking here first gives the caller the field and the rule
before any SQL runs (and covers what PostgreSQL reports badly, such as NUL bytes in text).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from db.errors import Invalid

MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
RATE_STEP = Decimal("0.0001")
RATE_RULE = "In [0, 1]; stored with 4 decimals, rounded half to even (0.12345 becomes 0.1234)."


def text(field: str, value: str, *, max_length: int = 200, min_length: int = 1) -> str:
    """A non-blank string without NUL bytes of at most ``max_length`` characters."""
    if "\x00" in value:
        raise Invalid(field, "no_nul_bytes", f"{field} must not contain NUL bytes")
    if len(value.strip()) < min_length:
        raise Invalid(field, "required", f"{field} must not be empty")
    if len(value) > max_length:
        raise Invalid(field, "max_length", f"{field} must be at most {max_length} characters long")
    return value


def int_range(field: str, value: int, *, minimum: int = 0, maximum: int = MAX_INT32) -> int:
    """An integer in [minimum, maximum]; the rule names the bound that was broken."""
    if value < minimum:
        rule = "non_negative" if minimum == 0 else f"min_{minimum}"
        raise Invalid(field, rule, f"{field} must be at least {minimum}")
    if value > maximum:
        raise Invalid(field, "max", f"{field} must be at most {maximum}")
    return value


def rate(field: str, value: float | Decimal) -> Decimal:
    """A rate in [0, 1], rounded half-even to the stored 4 decimals."""
    try:
        decimal = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - floats always convert
        raise Invalid(field, "rate_0_1", f"{field} must be a number in [0, 1]") from exc
    if not decimal.is_finite() or decimal < 0 or decimal > 1:
        raise Invalid(field, "rate_0_1", f"{field} must be between 0 and 1")
    return decimal.quantize(RATE_STEP, rounding=ROUND_HALF_EVEN)


def email(field: str, value: str) -> str:
    """A plausible e-mail address (something@something, 3 to 254 characters)."""
    text(field, value, max_length=254, min_length=3)
    local, at, domain = value.partition("@")
    if not at or not local or not domain or any(c.isspace() for c in value):
        raise Invalid(field, "email", f"{field} must look like name@example.com")
    return value


def distinct(field: str, values: list[int]) -> list[int]:
    """The values, refusing a list that names one id twice."""
    seen: set[int] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise Invalid(f"{field}.{index}", "unique", f"{field} lists the same id twice")
        seen.add(value)
    return values
