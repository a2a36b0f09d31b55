"""Who is asking: the authenticated principal that every layer (audit, RLS, schema) sees.

The api layer decodes a bearer token into a ``Principal``; the schema reads it from the
context; the database layer records it in the audit log and sets the partner for row-level
security. A PARTNER principal is always bound to one partner, the other roles never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The four roles of the permission matrix (README "Authentication")."""

    ADMIN = "ADMIN"
    PLANNER = "PLANNER"
    PARTNER = "PARTNER"
    VIEWER = "VIEWER"


class PrincipalError(ValueError):
    """A principal's claims contradict each other; the message names the claim and rule."""


def parse_role(value: object) -> Role:
    """The Role named by ``value`` (exact upper-case name), else a PrincipalError."""
    if isinstance(value, str) and value in Role.__members__:
        return Role(value)
    names = ", ".join(Role.__members__)
    raise PrincipalError(f"claim role: must be one of {names}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: subject (token ``sub``), role, and partner for PARTNER."""

    subject: str
    role: Role
    partner_id: int | None = None

    def __post_init__(self) -> None:
        if not self.subject:
            raise PrincipalError("claim sub: must be a non-empty string")
        if self.role is Role.PARTNER:
            if self.partner_id is None or self.partner_id < 1:
                raise PrincipalError("claim partner_id: required (a positive id) for PARTNER")
        elif self.partner_id is not None:
            raise PrincipalError(f"claim partner_id: only a PARTNER has one, not {self.role}")

    @property
    def is_admin(self) -> bool:
        """True for ADMIN (edits master data, reads the audit log)."""
        return self.role is Role.ADMIN


ANONYMOUS_SUBJECT = "anonymous"
"""Subject of the principal given to requests without a token in demo mode."""

SYSTEM = Principal(subject="system", role=Role.ADMIN)
"""The service itself (CLI, workers, tests that act as the operator)."""
