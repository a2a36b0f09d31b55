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

The marks it relies on are made at schema build by schema/execution_plan.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    get_nullable_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.builders import SETTLED, SIMPLE, Builder, Step, leaf_step, make_builder, typename_step
from schema.execution_plan import (
    FAST_IS_TYPE_OF_KEY,
    INFO_FREE_KEY,
    LEAN_RESOLVERS,
    OBJECTS_KEY,
    PLAN_KEY,
    Objects,
    Plan,
    lean_resolvers,
    plain_leaves,
)
from schema.permission_guards import checked_resolver
from schema.permissions import refusal

__all__ = ["PLAN_KEY", "PlainLeafExecutionContext", "lean_resolvers", "plain_leaves"]

Lean = tuple[GraphQLField, Callable[..., Any], list[FieldNode]]
"""A lean resolver field allowed in this request: (field, the lean resolver, its nodes)."""

Compiled = tuple[
    str,
    FieldDetailsList,
    tuple[str, Callable[[Any], Any], type | None] | None,
    tuple[str, GraphQLObjectType, GraphQLField] | None,
    Lean | None,
]
"""(response name, its field details, the plain leaf entry, the plain object entry, the lean
resolver entry)."""


class PlainLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with short paths, each falling back to graphql-core's
    own for anything unusual: plain leaf fields completed in place, plain object fields
    executed without the resolver chain, list items of an object type executed directly,
    objects whose whole selection is plain completed by one builder (schema/builders.py: no
    paths, no per-field calls), the per-selection plan worked out once per request
    (bench/RESULTS.md "API")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._permitted: dict[tuple[str, str], bool] = {}
        self._compiled: dict[int, tuple[GroupedFieldSet, GraphQLObjectType, list[Compiled]]] = {}
        self._not_streamed: dict[int, FieldDetailsList] = {}
        self._builders: dict[
            tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Builder | None]
        ] = {}

    def _permits(self, parent: str, field: str) -> bool:
        """Whether the matrix allows ``parent.field`` in this request (asked once per field)."""
        key = (parent, field)
        permitted = self._permitted.get(key)
        if permitted is None:
            permitted = self._permitted[key] = refusal(self.context_value, parent, field) is None
        return permitted

    def _compile(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet, plan: Plan
    ) -> list[Compiled]:
        """The fields of ``grouped_field_set`` with their short paths, made once per selection
        and request (a list's items share one grouped field set): the leaf entry only when the
        matrix allows the field in this request, the plain object entry when there is one."""
        objects: Objects = parent_type.extensions[OBJECTS_KEY]
        compiled: list[Compiled] = []
        for response_name, field_details_list in grouped_field_set.items():
            field_name = field_details_list[0].node.name.value
            entry = plan.get(field_name)
            leaf = None
            if entry is not None and (not entry[2] or self._permits(parent_type.name, field_name)):
                leaf = (entry[0], entry[1], entry[3])
            plain = objects.get(field_name)
            if plain is not None:
                build = self._builder(plain[1], field_details_list)
                if build is not None:  # a leaf whose coercion is the object's builder
                    leaf = (plain[0], build, None)
            lean = None
            if leaf is None and plain is None:
                lean = self._lean_entry(parent_type, field_name, field_details_list)
            compiled.append((response_name, field_details_list, leaf, plain, lean))
        # the entry keeps the grouped field set alive, so its id is not reused in this request
        self._compiled[id(grouped_field_set)] = (grouped_field_set, parent_type, compiled)
        return compiled

    def _lean_entry(
        self, parent_type: GraphQLObjectType, field_name: str, field_details_list: FieldDetailsList
    ) -> Lean | None:
        """The lean resolver of ``parent_type.field_name`` (schema/permission_guards.py's
        matrix check unwrapped when the matrix allows the field in this request), or None."""
        field = parent_type.fields.get(field_name)
        if field is None or field.args:
            return None
        inner = checked_resolver(field.resolve)
        if inner is not None and not self._permits(parent_type.name, field_name):
            return None  # the ordinary path runs the check and reports the refusal
        resolve = inner if inner is not None else field.resolve
        if resolve not in LEAN_RESOLVERS:
            return None
        return (field, resolve, to_nodes(field_details_list))

    def _execute_lean(
        self,
        lean: Lean,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """graphql-core's ``execute_field`` for a lean resolver field: the same resolve info,
        completion and error handling, without the field lookup, the argument coercion (it
        has no arguments) and, for a guarded field, the matrix check per object (asked once
        per request by ``_lean_entry``)."""
        field, resolve, nodes = lean
        return_type = field.type
        info = self.build_resolve_info(field, nodes, parent_type, path)
        try:
            result = resolve(source, info)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, None
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, None
            )
            if type(completed) is dict or not self.is_awaitable(completed):
                return completed

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, return_type, field_details_list, path)
                    return None

            return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _builder(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> Builder | None:
        """The builder (schema/builders.py) of ``object_type`` for the sub-selection of
        ``field_details_list``, or None when that selection is not plain; made once per request
        and selection."""
        key = (object_type, id(field_details_list))
        cached = self._builders.get(key)
        if cached is not None and cached[0] is field_details_list:
            return cached[1]
        build = self._make_builder(object_type, field_details_list)
        # the entry keeps the list alive, so its id is not reused in this request
        self._builders[key] = (field_details_list, build)
        return build

    def _make_builder(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> Builder | None:
        """A builder when every field of the selection is a plain leaf allowed in this request,
        ``__typename`` or a plain object field with a plain selection; no middleware, no
        ``@defer``, an ``is_type_of`` that is absent or ignores its info."""
        manager = self.middleware_manager
        plan: Plan | None = object_type.extensions.get(PLAN_KEY)
        if (
            plan is None
            or (manager is not None and manager.middlewares)
            or not (object_type.is_type_of is None or object_type.extensions.get(INFO_FREE_KEY))
        ):
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        objects: Objects = object_type.extensions[OBJECTS_KEY]
        steps: list[Step] = []
        for response_name, sub_fields in grouped_field_set.items():
            if any(details.defer_usage is not None for details in sub_fields):
                return None
            field_name = sub_fields[0].node.name.value
            entry = plan.get(field_name)
            plain = objects.get(field_name)
            if field_name == "__typename":
                steps.append(typename_step(response_name, object_type.name))
            elif entry is not None:
                if entry[2] and not self._permits(object_type.name, field_name):
                    return None
                steps.append(leaf_step(response_name, entry[0], entry[1], entry[3]))
            elif plain is not None:
                build = self._builder(plain[1], sub_fields)
                if build is None:
                    return None
                steps.append(leaf_step(response_name, plain[0], build, None))
            else:
                return None
        is_type_of = object_type.extensions.get(FAST_IS_TYPE_OF_KEY, object_type.is_type_of)
        return make_builder(tuple(steps), is_type_of, self.is_awaitable)

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
        if (
            plan is None
            or position_context is not None
            or (manager is not None and manager.middlewares)
        ):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        cached = self._compiled.get(id(grouped_field_set))
        compiled = (
            cached[2]
            if cached is not None and cached[0] is grouped_field_set and cached[1] is parent_type
            else self._compile(parent_type, grouped_field_set, plan)
        )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, leaf, plain, lean in compiled:
                if leaf is not None:
                    try:
                        value = getattr(source_value, leaf[0])
                        kind = type(value)
                        if kind is leaf[2] and (
                            kind is not int or GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
                        ):  # what the built-in scalar's coercion would return unchanged
                            results[response_name] = value
                            continue
                        if kind in SIMPLE or not (
                            value is None or isinstance(value, Exception) or is_awaitable(value)
                        ):
                            coerced = leaf[1](value)
                            if type(coerced) in SETTLED or not (
                                coerced is None or coerced is Undefined or is_awaitable(coerced)
                            ):
                                results[response_name] = coerced
                                continue
                    except Exception:  # the ordinary path reports it
                        pass
                field_path = Path(path, response_name, parent_type.name)
                if lean is not None:  # runs the resolver: never falls through
                    result = self._execute_lean(
                        lean, parent_type, source_value, field_details_list, field_path
                    )
                elif plain is not None:
                    result = self._execute_plain_object(
                        plain, parent_type, source_value, field_details_list, field_path
                    )
                else:
                    result = Undefined
                if result is Undefined and lean is None:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if type(result) is not dict and is_awaitable(result):
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

    def _execute_plain_object(
        self,
        plain: tuple[str, GraphQLObjectType, GraphQLField],
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """``execute_field`` for a plain object field without the resolver chain and the
        ``complete_value`` walk: read the attribute, check ``is_type_of``, execute the object's
        fields, handle their errors as ``execute_field`` does. Undefined when the value is not
        an ordinary object of the type (None, exception, awaitable, failing or awaitable
        ``is_type_of``) or the selection defers: the ordinary path then runs the field."""
        attribute, object_type, field = plain
        try:
            value = getattr(source, attribute)
        except Exception:  # the ordinary path reports it
            return Undefined
        is_awaitable = self.is_awaitable
        if value is None or isinstance(value, Exception) or is_awaitable(value):
            return Undefined
        is_type_of = object_type.extensions.get(FAST_IS_TYPE_OF_KEY, object_type.is_type_of)
        if is_type_of is not None:
            info = (
                None
                if object_type.extensions.get(INFO_FREE_KEY)
                else self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
            )
            try:
                if is_type_of(value, info) is not True:  # info None: info-free
                    return Undefined
            except Exception:  # the ordinary path reports it
                return Undefined
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return Undefined
        try:
            completed = self.execute_fields(object_type, value, path, grouped_field_set, None)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if type(completed) is dict or not is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field_details_list, path)
                return None

        return await_completed()

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's ``complete_value`` with the builder of a plain selection for an
        object value (a resolver's ``territory``, ``incumbentPartner``, ...): ordinary values
        only (not None, an exception or awaitable); anything else, or a builder that gives
        up, takes graphql-core's path."""
        object_type = get_nullable_type(return_type)
        if (
            isinstance(object_type, GraphQLObjectType)
            and position_context is None
            and result is not None
            and not isinstance(result, Exception)
            and not self.is_awaitable(result)
        ):
            build = self._builder(object_type, field_details_list)
            if build is not None:
                completed = build(result)
                if completed is not Undefined:
                    return completed
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """graphql-core's ``complete_iterable_value`` with a short path for lists of objects
        (``wallets``, ``territories``, ``competencies``, ``edges``): each ordinary item (not
        None, not an exception, not awaitable, ``is_type_of`` true and not awaitable) has its
        sub-fields executed directly, without ``complete_list_item_value`` and the
        ``complete_value`` walk; the sub-field collection is done once per list. Errors are
        handled per item exactly as ``complete_list_item_value`` does. Any other item, a
        streamed or deferred selection, or middleware: graphql-core's own path.
        """
        object_type = get_nullable_type(item_type)
        manager = self.middleware_manager
        if (
            not isinstance(object_type, GraphQLObjectType)
            or position_context is not None
            or (manager is not None and manager.middlewares)
            or not isinstance(items, list | tuple)
            or not (object_type.is_type_of is None or object_type.extensions.get(INFO_FREE_KEY))
            or self._streamed(field_details_list, path)
        ):
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        is_awaitable = self.is_awaitable
        is_type_of = object_type.is_type_of
        execute_fields = self.execute_fields
        complete_list_item_value = self.complete_list_item_value
        build = self._builder(object_type, field_details_list)
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                plain = item is not None and not isinstance(item, Exception)
                plain = plain and not is_awaitable(item)
                if plain and build is not None:
                    completed = build(item)  # is_type_of included
                    if completed is not Undefined:
                        append(completed)
                        continue
                item_path = path.add_key(index, None)
                if plain and self._is_plain_item(is_type_of, item, info):
                    try:
                        completed = execute_fields(
                            object_type, item, item_path, grouped_field_set, None
                        )
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                        append(None)
                        continue
                    if type(completed) is not dict and is_awaitable(completed):
                        append(
                            self._await_item(completed, item_type, field_details_list, item_path)
                        )
                        awaitable_indices.append(index)
                    else:
                        append(completed)
                    continue
                if is_awaitable(item):
                    append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, position_context
                        )
                    )
                    awaitable_indices.append(index)
                elif complete_list_item_value(
                    item,
                    completed_results,
                    item_type,
                    field_details_list,
                    info,
                    item_path,
                    position_context,
                ):
                    awaitable_indices.append(index)
        except Exception:
            pending = [completed_results[index] for index in awaitable_indices]
            if pending:
                self.settle_in_background(pending)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed_results[index] = await completed_results[index]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[index] for index in awaitable_indices)
                )
                for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[index] = sub_result
            return completed_results

        return get_completed_results()

    def _streamed(self, field_details_list: FieldDetailsList, path: Path) -> bool:
        """Whether the list is streamed (``get_stream_usage``), asked once per request and
        selection: graphql-core remembers only the streamed ones and reads the directives of
        every other list again (about 2 % of the partners page's time, 100 lists)."""
        if isinstance(path.key, int):  # an inner list: graphql-core never streams it
            return self.get_stream_usage(field_details_list, path) is not None
        key = id(field_details_list)
        known = self._not_streamed.get(key)
        if known is not None and known is field_details_list:
            return False
        streamed = self.get_stream_usage(field_details_list, path) is not None
        if not streamed:  # the entry keeps the list alive, so its id is not reused
            self._not_streamed[key] = field_details_list
        return streamed

    @staticmethod
    def _is_plain_item(is_type_of: Any, item: Any, info: GraphQLResolveInfo[Any]) -> bool:
        """Whether a list item may take the short path: no ``is_type_of``, or Strawberry's
        (synchronous) one says true; a false or failing one goes the ordinary way, which
        reports it."""
        if is_type_of is None:
            return True
        try:
            return is_type_of(item, info) is True
        except Exception:
            return False

    async def _await_item(
        self,
        completed: Any,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        item_path: Path,
    ) -> Any:
        """Await an item's sub-fields; errors handled as ``complete_list_item_value`` does."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            return None
