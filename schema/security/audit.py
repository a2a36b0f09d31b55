"""Audit extension: every executed mutation field is recorded in ``audit_log``.

Who (the context's principal), what (mutation field, the client's operation name, the field's
arguments with variables filled in and secrets redacted), when (the database clock) and the
result (the payload's GraphQL typename, or ``ERROR`` with the error's message). A failure to
write the row is logged with the mutation's name; it does not undo the mutation, which has
already committed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from inspect import isawaitable
from typing import Any

import asyncpg
from graphql import (
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
    value_from_ast_untyped,
)
from strawberry.types.base import get_object_definition

from db import audit

log = logging.getLogger("allot.audit")

ERROR_RESULT = "ERROR"


def audit_mutations(schema: GraphQLSchema) -> None:
    """Wrap every root mutation field's resolver: run it, then record who did what with which
    result. Only those fields: a schema-wide ``resolve`` hook would wrap every field's resolver.

    Call it after ``guard_fields`` (schema/permissions.py), so that a refused mutation is
    recorded too (``ERROR``, with the refusal).
    """
    if schema.mutation_type is None:
        return
    for field in schema.mutation_type.fields.values():
        field.resolve = _audited(field.resolve or default_field_resolver)


def _audited(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def audited(root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        try:
            result = resolve(root, info, **kwargs)
            if isawaitable(result):
                result = await result
        except Exception as exc:
            await _record(info, ERROR_RESULT, f"{type(exc).__name__}: {exc}")
            raise
        await _record(info, typename(result), None)
        return result

    return audited


def typename(value: object) -> str:
    """The GraphQL type name of a payload object (its Python class name otherwise)."""
    definition = get_object_definition(type(value))
    if definition is not None:
        return definition.name
    return "null" if value is None else type(value).__name__


def field_arguments(info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    """The field's arguments as plain JSON values, variables substituted."""
    node = info.field_nodes[0]
    # graphql-core's stubs say VariableValues (``.coerced``); at run time it is the dict.
    raw: Any = info.variable_values
    variables: dict[str, Any] = getattr(raw, "coerced", raw)
    return {
        argument.name.value: plain(value_from_ast_untyped(argument.value, variables))
        for argument in node.arguments or ()
    }


def plain(value: Any) -> Any:
    """JSON-ready form of coerced argument values (input objects, enums, dates)."""
    if isinstance(value, Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def _record(info: GraphQLResolveInfo[Any], result: str, error: str | None) -> None:
    context = info.context
    pool: asyncpg.Pool | None = getattr(context, "pool", None)
    if pool is None:
        log.error("audit: no pool in the context, %s not recorded", info.field_name)
        return
    operation = info.operation.name.value if info.operation.name else None
    write: Awaitable[int] = audit.record(
        pool,
        principal=getattr(context, "principal", None),
        mutation=info.field_name,
        arguments=field_arguments(info),
        result=result,
        operation_name=operation,
        error=error,
    )
    try:
        await write
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        log.exception("audit: could not record mutation %s (%s)", info.field_name, result)
