"""``auditLog``: the recorded mutations, newest first, for ADMIN only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.permission import BasePermission
from strawberry.scalars import JSON

from db import audit
from db.principal import Role
from schema.common.connection import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    connection,
    decode_cursor,
)
from schema.context import Info

ORDER = "audit"
KEY_TYPES = (int,)


class IsAdmin(BasePermission):
    """Only an ADMIN principal passes; others get a FORBIDDEN error and no data."""

    message = "Permission denied: auditLog needs role ADMIN"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads a class attribute)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """True for ADMIN."""
        principal = info.context.principal
        return principal is not None and principal.role is Role.ADMIN


@strawberry.type(description="One recorded mutation: who, what, when, result.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    subject: str = strawberry.field(description="The token's `sub`.")
    role: str | None
    partner_id: int | None
    operation_name: str | None = strawberry.field(description="The client's operation name.")
    mutation: str = strawberry.field(description="The mutation field, e.g. `createPartner`.")
    arguments: JSON = strawberry.field(description="Its arguments, secrets redacted.")
    result: str = strawberry.field(description="Payload typename, or `ERROR`.")
    error: str | None

    @classmethod
    def from_domain(cls, entry: audit.AuditEntry) -> AuditEntry:
        """Map a stored entry."""
        return cls(
            id=strawberry.ID(str(entry.id)),
            at=entry.at,
            subject=entry.subject,
            role=entry.role,
            partner_id=entry.partner_id,
            operation_name=entry.operation_name,
            mutation=entry.mutation,
            arguments=cast(JSON, entry.arguments),
            result=entry.result,
            error=entry.error,
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Recorded mutations, newest first (ADMIN only); filters are ANDed; "
        "`since` inclusive, `until` exclusive; `first` is 1..100.",
        permission_classes=[IsAdmin],
    )
    async def audit_log(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        subject: str | None = None,
        operation: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Connection[AuditEntry]:
        check_first(first)
        key = decode_cursor(after, ORDER, KEY_TYPES)
        filters = audit.AuditFilter(subject=subject, mutation=operation, since=since, until=until)
        pool = info.context.pool
        page = await audit.page(pool, filters, first=first, after=key)
        return connection(
            page, AuditEntry.from_domain, ORDER, lambda: audit.count(pool, filters), after
        )
