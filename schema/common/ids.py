"""Relay global IDs: ``base64url("Type:id")``, decoded with errors that name the field."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from db.errors import Invalid

MAX_DB_ID = 2**63 - 1


@lru_cache(maxsize=1 << 16)
def encode_id(type_name: str, db_id: int) -> str:
    """The global ID of row ``db_id`` of GraphQL type ``type_name``.

    Cached (a pure function): a page encodes hundreds of IDs, most of them again and again
    (the 8 product lines under every wallet, the 40 territories).
    """
    return base64.urlsafe_b64encode(f"{type_name}:{db_id}".encode()).decode().rstrip("=")


def decode_any(value: str, field: str = "id") -> tuple[str, int]:
    """(type name, database id) of a global ID; ``Invalid(field, "global_id")`` if malformed."""
    try:
        padded = value + "=" * (-len(value) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise Invalid(field, "global_id", f"{field} is not a valid ID") from exc
    type_name, sep, number = text.partition(":")
    if not sep or not type_name or not number.isdigit() or not number.isascii():
        raise Invalid(field, "global_id", f"{field} is not a valid ID")
    db_id = int(number)
    if db_id > MAX_DB_ID:
        raise Invalid(field, "global_id", f"{field} is not a valid ID")
    return type_name, db_id


def decode_id(value: str, type_name: str, field: str = "id") -> int:
    """The database id of a global ID that must be of ``type_name``."""
    actual, db_id = decode_any(value, field)
    if actual != type_name:
        raise Invalid(
            field, "global_id", f"{field} must be an ID of a {type_name}, got one of a {actual}"
        )
    return db_id


def decode_optional(value: str | None, type_name: str, field: str) -> int | None:
    """``decode_id`` for an optional argument."""
    return None if value is None else decode_id(value, type_name, field)
