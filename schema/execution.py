"""A graphql-core execution context with a short path for plain leaf fields.

graphql-core runs every field the same way: a ``Path``, the field definition looked up, a
resolve-info object built, the resolver called, its result checked for awaitability twice,
then ``complete_value`` walks non-null / list / leaf / abstract / object to reach the
scalar's ``coerce_output_value``. For a field that only reads an attribute and returns a scalar
or enum (``name``, ``code``, ``walletCents``, ... about 1,500 of the 2,300 fields of the
benchmark's accounts page, bench/RESULTS.md "API") that is most of the response time.

``plain_leaves`` marks, once at schema build, the fields whose resolver is still Strawberry's
attribute getter (``_get_basic_result``: no resolver, no field extension, no permission
wrapper from schema/permission_guards.py) and whose type is a scalar or an enum. For those,
``PlainLeafExecutionContext`` reads the attribute and coerces it in place. Anything unusual
(the attribute missing, None, an exception, an awaitable, a failing or null coercion, middleware
in use) takes graphql-core's ordinary path for that field, which then produces exactly the
result or the located error it always did: reading an attribute and coercing a value have no
side effects, so doing it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLSchema,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from schema.permission_guards import checked_resolver
from schema.permissions import refusal

PLAN_KEY = "allot:plain-leaves"
"""Key of a GraphQL object type's ``extensions`` holding its plain leaf fields."""

Plan = dict[str, tuple[str, Callable[[Any], Any], bool]]
"""Field name -> (Python attribute, the leaf type's output coercion, whether the permission
matrix must allow the field first)."""


def _basic_attribute(resolve: Callable[..., Any] | None, field: GraphQLField) -> str | None:
    """The attribute ``resolve`` reads when it is Strawberry's basic getter, else None."""
    definition = field.extensions.get("strawberry-definition")
    if (
        resolve is None
        or getattr(resolve, "__name__", "") != "_get_basic_result"
        or not getattr(resolve, "_is_default", False)
        or not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
    ):
        return None
    return definition.python_name


def plain_leaves(schema: GraphQLSchema) -> int:
    """Record each object type's plain leaf fields in its ``extensions``; how many there are.

    A plain leaf has no arguments, a scalar or enum type, and Strawberry's attribute getter as
    resolver, or that getter behind the matrix check of schema/permission_guards.py (then the
    entry says so and the executor applies the same check). Run after every resolver wrapper
    is in place: any other wrapper (audit, PARTNER boundary) keeps the ordinary path.
    """
    marked = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        plan: Plan = {}
        for name, field in named.fields.items():
            leaf = get_nullable_type(field.type)
            if field.args or not is_leaf_type(leaf):
                continue
            assert isinstance(leaf, GraphQLLeafType)
            inner = checked_resolver(field.resolve)
            guarded = inner is not None
            attribute = _basic_attribute(inner if guarded else field.resolve, field)
            if attribute is not None:
                plan[name] = (attribute, leaf.coerce_output_value, guarded)
        if plan:
            named.extensions = {**named.extensions, PLAN_KEY: plan}
            marked += len(plan)
    return marked


class PlainLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain leaf fields completed in place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._permitted: dict[tuple[str, str], bool] = {}

    def _permits(self, parent: str, field: str) -> bool:
        """Whether the matrix allows ``parent.field`` in this request (asked once per field)."""
        key = (parent, field)
        permitted = self._permitted.get(key)
        if permitted is None:
            permitted = self._permitted[key] = refusal(self.context_value, parent, field) is None
        return permitted

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields`` (same results, same error handling) with the
        short path for the fields ``plain_leaves`` recorded on ``parent_type``.

        A plain leaf is read and coerced here unless anything is unusual (None, an exception
        or an awaitable in the attribute, a coercion that fails or gives null, a refused
        permission, middleware in use): then graphql-core's ordinary ``execute_field`` runs it
        and produces the result or located error it always did. Reading an attribute and
        coercing a value have no side effects, so doing it twice is harmless.
        """
        plan: Plan | None = parent_type.extensions.get(PLAN_KEY)
        manager = self.middleware_manager  # Strawberry always passes one, often empty
        if plan is None or (manager is not None and manager.middlewares):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_name = field_details_list[0].node.name.value
                leaf = plan.get(field_name)
                if leaf is not None and (
                    not leaf[2] or self._permits(parent_type.name, field_name)
                ):
                    try:
                        value = getattr(source_value, leaf[0])
                        if not (
                            value is None or isinstance(value, Exception) or is_awaitable(value)
                        ):
                            coerced = leaf[1](value)
                            if not (
                                coerced is None or coerced is Undefined or is_awaitable(coerced)
                            ):
                                results[response_name] = coerced
                                continue
                    except Exception:  # the ordinary path reports it
                        pass
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
