"""The project's domain errors, and the one place that turns asyncpg errors into them.

Repositories raise these; the GraphQL layer turns them into union payloads. Database errors are
identified by their type and constraint name only, never by parsing their messages.
"""

from __future__ import annotations

import asyncpg


class DomainError(Exception):
    """Base of the expected failures a caller can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """An entity with this id does not exist."""

    def __init__(self, entity: str, id: int) -> None:
        super().__init__(f"{entity} {id} does not exist")
        self.entity = entity
        self.id = id


class Conflict(DomainError):
    """The write contradicts the current state (a duplicate name, an account already released)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Invalid(DomainError):
    """A field breaks a rule (``required``, ``max_length``, ``range``, ``exists`` ...)."""

    def __init__(self, field: str, rule: str, message: str | None = None) -> None:
        super().__init__(message or f"{field} breaks rule {rule}")
        self.field = field
        self.rule = rule


# constraint name -> (field, rule, message). Unique constraints map to Conflict, foreign keys
# and checks to Invalid. Fields are snake_case domain names; the schema layer renders them.
_UNIQUE: dict[str, tuple[str, str]] = {
    "partners_name_key": ("name", "a partner with this name already exists"),
    "accounts_external_ref_key": ("external_ref", "an account with this external ref exists"),
    "territories_code_key": ("code", "a territory with this code already exists"),
    "product_lines_code_key": ("code", "a product line with this code already exists"),
    "partner_territories_pkey": ("territory_ids", "a territory is listed twice"),
    "partner_competencies_pkey": ("competencies", "a product line is listed twice"),
}
_FOREIGN: dict[str, str] = {
    "accounts_territory_id_fkey": "territory_id",
    "accounts_incumbent_partner_id_fkey": "incumbent_partner_id",
    "specialists_territory_id_fkey": "territory_id",
    "specialists_product_line_id_fkey": "product_line_id",
    "partner_territories_territory_id_fkey": "territory_ids",
    "partner_competencies_product_line_id_fkey": "competencies",
    "account_wallets_product_line_id_fkey": "product_line_id",
    "account_wallets_account_id_fkey": "account_id",
}


def _check_field(constraint: str, table: str | None) -> str:
    """``partners_capacity_check`` -> ``capacity`` (PostgreSQL's default check names)."""
    name = constraint.removesuffix("_check")
    if table and name.startswith(table + "_"):
        name = name[len(table) + 1 :]
    return name


def translate(error: asyncpg.PostgresError) -> DomainError | None:
    """Map an integrity error to a domain error, or None when it is not one we expect."""
    constraint = getattr(error, "constraint_name", None) or ""
    table = getattr(error, "table_name", None)
    if isinstance(error, asyncpg.UniqueViolationError):
        field, message = _UNIQUE.get(constraint, ("id", "duplicate value"))
        return Conflict(message, field)
    if isinstance(error, asyncpg.ForeignKeyViolationError):
        field = _FOREIGN.get(constraint, "id")
        return Invalid(field, "exists", f"{field} refers to a row that does not exist")
    if isinstance(error, asyncpg.CheckViolationError):
        field = _check_field(constraint, table)
        return Invalid(field, "check", f"{field} is out of the allowed range")
    if isinstance(error, asyncpg.NotNullViolationError):
        column = getattr(error, "column_name", None) or "id"
        return Invalid(column, "required", f"{column} is required")
    return None
