"""The audit log: record each mutation (who, what, when, result) and read it back in pages.

Arguments are stored with secrets redacted: any key that names a secret (password, token,
secret, credential, api key) has its value replaced by ``"***"`` at any depth.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from db.principal import Principal
from db.repositories._sql import Executor, Key, Page, Where, page_of

REDACTED = "***"
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|credential|api_?key", re.IGNORECASE)
MAX_ERROR_LENGTH = 500
UNAUTHENTICATED = "(unauthenticated)"

COLUMNS = "id, at, subject, role, partner_id, operation_name, mutation, arguments, result, error"
INSERT = """
INSERT INTO audit_log
       (subject, role, partner_id, operation_name, mutation, arguments, result, error)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
RETURNING id
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded mutation."""

    id: int
    at: datetime
    subject: str
    role: str | None
    partner_id: int | None
    operation_name: str | None
    mutation: str
    arguments: dict[str, Any]
    result: str
    error: str | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> AuditEntry:
        """Map an ``audit_log`` row (jsonb decoded by the pool's codec)."""
        return cls(
            id=row["id"],
            at=row["at"],
            subject=row["subject"],
            role=row["role"],
            partner_id=row["partner_id"],
            operation_name=row["operation_name"],
            mutation=row["mutation"],
            arguments=row["arguments"],
            result=row["result"],
            error=row["error"],
        )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to list: by subject, mutation name and time range (all optional)."""

    subject: str | None = None
    mutation: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def redact(value: Any) -> Any:
    """A copy of ``value`` with the values of secret-looking keys replaced, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


async def record(
    executor: Executor,
    *,
    principal: Principal | None,
    mutation: str,
    arguments: dict[str, Any],
    result: str,
    operation_name: str | None = None,
    error: str | None = None,
) -> int:
    """Insert one entry (arguments redacted); return its id."""
    # The pool's jsonb codec encodes; a round trip first makes any leftover value a string.
    payload = json.loads(json.dumps(redact(arguments), default=str))
    entry_id = await executor.fetchval(
        INSERT,
        principal.subject if principal else UNAUTHENTICATED,
        principal.role.value if principal else None,
        principal.partner_id if principal else None,
        operation_name,
        mutation,
        payload,
        result,
        error[:MAX_ERROR_LENGTH] if error else None,
    )
    return int(entry_id)


def _where(filters: AuditFilter) -> Where:
    where = Where()
    if filters.subject is not None:
        where.add("subject = {}", filters.subject)
    if filters.mutation is not None:
        where.add("mutation = {}", filters.mutation)
    if filters.since is not None:
        where.add("at >= {}", filters.since)
    if filters.until is not None:
        where.add("at < {}", filters.until)
    return where


async def page(
    executor: Executor, filters: AuditFilter, *, first: int, after: Key | None = None
) -> Page[AuditEntry]:
    """Newest first, keyset on id: ``first`` entries after the cursor key ``(id,)``."""
    where = _where(filters)
    if after is not None:
        where.add("id < {}", after[0])
    limit = where.param(first + 1)
    rows = await executor.fetch(
        f"SELECT {COLUMNS} FROM audit_log WHERE {where.sql()} ORDER BY id DESC LIMIT {limit}",
        *where.args,
    )
    return page_of(rows, first, AuditEntry.from_row, lambda r: (r["id"],))


async def count(executor: Executor, filters: AuditFilter) -> int:
    """Number of entries matching ``filters``."""
    where = _where(filters)
    value = await executor.fetchval(
        f"SELECT count(*) FROM audit_log WHERE {where.sql()}", *where.args
    )
    return int(value)
