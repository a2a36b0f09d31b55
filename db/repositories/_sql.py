"""Small helpers the repositories share: a WHERE builder, keyset pages, key-ordered batches.

The WHERE builder only joins fixed SQL fragments written in the repositories and numbers their
parameters; values always travel as parameters, never inside the SQL text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from db.errors import DomainError, translate

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

MAX_PAGE = 100

Executor = asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy
"""Anything that runs a query: the pool (one statement) or a connection (in a transaction)."""

Key = tuple[Any, ...]
"""A row's sort key (the values of the ORDER BY columns, id last), the content of a cursor."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One keyset page: the items, each item's sort key, and whether more rows follow."""

    items: list[T]
    keys: list[Key]
    has_next: bool


class Where:
    """Collects ``AND``-ed SQL fragments whose ``{}`` placeholders become numbered parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[Any] = []

    def add(self, fragment: str, *values: Any) -> None:
        """Append ``fragment`` with one ``{}`` per value, e.g. ``add("a.track = {}", "GOLD")``."""
        numbers = []
        for value in values:
            self.args.append(value)
            numbers.append(f"${len(self.args)}")
        self.clauses.append(fragment.format(*numbers))

    def param(self, value: Any) -> str:
        """Add a parameter outside a clause (LIMIT) and return its placeholder."""
        self.args.append(value)
        return f"${len(self.args)}"

    def sql(self) -> str:
        """The WHERE condition (``true`` when empty)."""
        return " AND ".join(self.clauses) if self.clauses else "true"

    def copy(self) -> Where:
        """A copy to extend (the count query shares the filters, not the cursor)."""
        other = Where()
        other.clauses = list(self.clauses)
        other.args = list(self.args)
        return other


def like_pattern(text: str) -> str:
    """A case-folded ``LIKE`` pattern that matches ``text`` anywhere, wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_of(
    rows: Sequence[asyncpg.Record],
    limit: int,
    make: Callable[[asyncpg.Record], T],
    key: Callable[[asyncpg.Record], Key],
) -> Page[T]:
    """Turn ``limit + 1`` fetched rows into a page (the extra row only says there is more)."""
    visible = rows[:limit]
    return Page([make(r) for r in visible], [key(r) for r in visible], len(rows) > limit)


def pages_by_group(
    rows: Sequence[asyncpg.Record],
    groups: Sequence[int],
    limit: int,
    make: Callable[[asyncpg.Record], T],
    key: Callable[[asyncpg.Record], Key],
) -> list[Page[T]]:
    """Split rows tagged with ``group_key`` (up to ``limit + 1`` each) into one page per group."""
    by_group = grouped(groups, rows, lambda r: r["group_key"])
    return [page_of(group, limit, make, key) for group in by_group]


def counts_by_group(rows: Sequence[asyncpg.Record], groups: Sequence[int]) -> list[int]:
    """``(group_key, count)`` rows as one count per group, 0 where absent."""
    found = {r["group_key"]: r["count"] for r in rows}
    return [int(found.get(g, 0)) for g in groups]


def in_key_order(keys: Sequence[K], items: Iterable[T], key_of: Callable[[T], K]) -> list[T | None]:
    """Items arranged as ``keys`` (None where missing): what a DataLoader batch must return."""
    by_key = {key_of(item): item for item in items}
    return [by_key.get(k) for k in keys]


def grouped(keys: Sequence[K], items: Iterable[T], key_of: Callable[[T], K]) -> list[list[T]]:
    """Items grouped per key in ``keys`` order (empty lists where none), keeping item order."""
    groups: dict[K, list[T]] = {k: [] for k in keys}
    for item in items:
        group = groups.get(key_of(item))
        if group is not None:
            group.append(item)
    return [groups[k] for k in keys]


async def domain_errors(operation: Awaitable[T]) -> T:
    """Await a write and re-raise integrity errors as the project's domain errors."""
    try:
        return await operation
    except asyncpg.PostgresError as exc:
        mapped: DomainError | None = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc


def one(row: asyncpg.Record | None) -> asyncpg.Record:
    """The row of an INSERT ... RETURNING, which always returns one."""
    assert row is not None
    return row
