"""Helpers for schema tests: run an operation through the real schema on a test database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from strawberry.types import ExecutionResult

from schema import schema
from schema.context import Context
from tests.auth_helpers import ADMIN

Run = Callable[..., Awaitable[ExecutionResult]]


def make_runner(pool: asyncpg.Pool) -> Run:
    """``await run(query, **variables)``: execute with a fresh context (fresh loaders)."""

    async def run(query: str, /, **variables: Any) -> ExecutionResult:
        return await schema.execute(
            query,
            variable_values=variables or None,
            context_value=Context(pool=pool, principal=ADMIN),
        )

    return run


def ok(result: ExecutionResult) -> dict[str, Any]:
    """The data of a result that must have no errors."""
    assert result.errors is None, [e.formatted for e in result.errors or []]
    assert result.data is not None
    return result.data


def error_messages(result: ExecutionResult) -> list[str]:
    """The messages of a result's top-level errors."""
    return [e.message for e in result.errors or []]


@pytest.fixture
def run(seeded_pool: asyncpg.Pool) -> Run:
    """Run operations against the seeded channel."""
    return make_runner(seeded_pool)


@pytest.fixture
def run_empty(pool: asyncpg.Pool) -> Run:
    """Run operations against an empty migrated database."""
    return make_runner(pool)
