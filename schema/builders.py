"""Builders: one call that completes an object whose whole selection is plain.

A selection is plain when each of its fields is a plain leaf (Strawberry's attribute getter, a
scalar or enum, allowed by the matrix in this request), ``__typename``, or a plain object field
whose own selection is plain (schema/execution.py ``plain_leaves`` marks the fields).
``Territory { id code name }``, ``Wallet { productLine { code } walletCents ... }``,
``pageInfo { hasNextPage endCursor }`` are; a selection with a resolver field is not.

graphql-core completes such an object field by field: a ``Path`` per field, an
``execute_fields`` call per object, ``is_type_of`` through ``complete_object_value``. A builder
reads the attributes and coerces them in one loop and builds the nested objects' dicts
directly, without paths (they are only needed for errors). Anything unusual (an attribute
missing or raising, None, an exception or awaitable value, a coercion failing or giving
null, ``is_type_of`` not true) makes the builder return ``Undefined`` for the whole object:
the caller then completes that object the ordinary way, which produces exactly the result or
the located errors graphql-core always did. Reading attributes and coercing values have no
side effects, so doing it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql.pyutils import Undefined
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT

Builder = Callable[[Any], Any]
"""An object's completed dict, or ``Undefined`` when it must take the ordinary path."""

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any], type | None]
"""(response name, getter of the value from the source, coercion: a leaf type's output
coercion or the builder of a plain object, the exact type a value is taken unchanged with)."""

SIMPLE = frozenset({str, int, float, bool})
"""Exact value types that are never None, an exception or awaitable: no further check needed."""

SETTLED = SIMPLE | {dict}
"""Exact types of a coerced value that need no further check: SIMPLE, and dict (what a
builder returns; never None, ``Undefined`` or awaitable)."""


def leaf_step(
    response_name: str, attribute: str, coerce: Callable[[Any], Any], exact: type | None
) -> Step:
    """A plain leaf (or a plain object with ``coerce`` its builder and ``exact`` None)."""
    return (response_name, attrgetter(attribute), coerce, exact)


def typename_step(response_name: str, type_name: str) -> Step:
    """``__typename``: the object type's name, which graphql-core's meta field returns."""

    def name(_source: Any) -> str:
        return type_name

    return (response_name, name, str, str)


def make_builder(
    steps: tuple[Step, ...],
    is_type_of: Callable[[Any, Any], Any] | None,
    is_awaitable: Callable[[Any], bool],
) -> Builder:
    """The builder of one plain selection; ``is_type_of`` (one that ignores its info) first.

    The value checks are those of ``PlainLeafExecutionContext.execute_fields`` for a plain
    leaf: a value of exactly the built-in scalar's type is taken as is (Int: within 32 bits),
    any other value that is not None, an exception or awaitable is coerced, and the coerced
    value must not be None, ``Undefined`` or awaitable.
    """

    def build(source: Any) -> Any:
        try:
            if is_type_of is not None and is_type_of(source, None) is not True:
                return Undefined
            result: dict[str, Any] = {}
            for response_name, get, coerce, exact in steps:
                value = get(source)
                kind = type(value)
                if kind is exact and (
                    kind is not int or GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
                ):
                    result[response_name] = value
                    continue
                if kind in SIMPLE or not (
                    value is None or isinstance(value, Exception) or is_awaitable(value)
                ):
                    coerced = coerce(value)
                    if type(coerced) in SETTLED or not (
                        coerced is None or coerced is Undefined or is_awaitable(coerced)
                    ):
                        result[response_name] = coerced
                        continue
                return Undefined
            return result
        except Exception:  # the ordinary path reports it
            return Undefined

    return build
