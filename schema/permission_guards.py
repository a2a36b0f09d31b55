"""The matrix's checks attached to the fields that can be refused, not to every field.

A Strawberry schema extension with a ``resolve`` hook makes every field's resolver go through
it (about 2,300 fields per accounts page, bench/RESULTS.md "API"); these wrappers are put, once
at schema build, only on root query and mutation fields, the ``SENSITIVE`` fields and the
fields through which a PARTNER could reach a planner type (``node``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
)
from strawberry.types.base import get_object_definition

from db.principal import Role
from schema.permissions import (
    MUTATION,
    PARTNER_TYPES,
    QUERY,
    SENSITIVE,
    PermissionDenied,
    check,
    checked_principal,
)


def guard_fields(schema: GraphQLSchema) -> None:
    """Wrap the resolvers of the fields that can be refused with the matrix check.

    Root query and mutation fields and the ``SENSITIVE`` fields are checked before they run.
    A caller without a role reaches nothing below a root field (every root field refuses it);
    a PARTNER reaches the planner types only through a field it may run whose type can hold
    one (``node``'s interface, a payload union): such a field refuses, with a FORBIDDEN error
    naming the type, any planner-type object it resolves to, so no field of it is resolved.
    """
    for root_type in (schema.query_type, schema.mutation_type):
        if root_type is not None:
            for field in root_type.fields.values():
                field.resolve = _checked(field.resolve)
    for where in SENSITIVE:
        parent, _, name = where.partition(".")
        owner = schema.get_type(parent)
        if isinstance(owner, GraphQLObjectType) and name in owner.fields:
            owner.fields[name].resolve = _checked(owner.fields[name].resolve)
    for field in _partner_reachable(schema):
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType) and named.name not in PARTNER_TYPES:
            field.resolve = _partner_refused(field.resolve, named.name)
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and any(
            t.name not in PARTNER_TYPES for t in schema.get_possible_types(named)
        ):
            field.resolve = _partner_typed(field.resolve)


def _partner_reachable(schema: GraphQLSchema) -> Iterator[GraphQLField]:
    """The fields a PARTNER may run: its root fields and every field of the portal types."""
    roots = ((schema.query_type, QUERY), (schema.mutation_type, MUTATION))
    for root_type, matrix in roots:
        if root_type is not None:
            for name, field in root_type.fields.items():
                if Role.PARTNER in matrix.get(name, frozenset()):
                    yield field
    for type_name in sorted(PARTNER_TYPES):
        owner = schema.get_type(type_name)
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
            yield from owner.fields.values()


_CHECKED: dict[Callable[..., Any], Callable[..., Any]] = {}
"""``_checked`` wrapper -> the resolver it wraps (wrappers are made once, at schema build)."""


def _resolver(resolve: Callable[..., Any] | None) -> Callable[..., Any]:
    return resolve if resolve is not None else default_field_resolver


def _checked(resolve: Callable[..., Any] | None) -> Callable[..., Any]:
    """``resolve`` behind the matrix check (PermissionDenied before it runs)."""
    inner = _resolver(resolve)

    def checked(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        check(info)
        return inner(source, info, **kwargs)

    _CHECKED[checked] = inner
    return checked


def checked_resolver(resolve: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """The resolver inside a ``_checked`` wrapper (the field needs the matrix check), or None.

    schema/execution.py completes such a field in place when the inner resolver is a plain
    attribute getter, after the same check (``refusal``) for the field.
    """
    return _CHECKED.get(resolve) if resolve is not None else None


def _planner_closed(context: Any) -> tuple[bool, Role | None]:
    """(closed?, role): whether the caller is kept off the planner types (PARTNER, no role)."""
    needed, principal = checked_principal(context)
    if not needed:
        return False, None
    role = principal.role if principal is not None else None
    return role is None or role is Role.PARTNER, role


def _partner_refused(resolve: Callable[..., Any] | None, type_name: str) -> Callable[..., Any]:
    """``resolve`` for a field typed with a planner type: refused to PARTNER."""
    inner = _resolver(resolve)

    def refused(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        closed, role = _planner_closed(info.context)
        if closed:
            raise PermissionDenied(type_name, role)
        return inner(source, info, **kwargs)

    return refused


def _partner_typed(resolve: Callable[..., Any] | None) -> Callable[..., Any]:
    """``resolve`` for an abstract field: a planner-type object it yields is refused to PARTNER."""
    inner = _resolver(resolve)

    def typed(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        closed, role = _planner_closed(info.context)
        result = inner(source, info, **kwargs)
        if not closed:
            return result
        if isawaitable(result):
            return _refuse_planner_later(result, role)
        _refuse_planner(result, role)
        return result

    return typed


async def _refuse_planner_later(result: Awaitable[Any], role: Role | None) -> Any:
    value = await result
    _refuse_planner(value, role)
    return value


def _refuse_planner(value: Any, role: Role | None) -> None:
    """Raise PermissionDenied when ``value`` (or an item of it) is not of a portal type."""
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if item is None:
            continue
        definition = get_object_definition(type(item))
        name = definition.name if definition is not None else type(item).__name__
        if name not in PARTNER_TYPES:
            raise PermissionDenied(name, role)
