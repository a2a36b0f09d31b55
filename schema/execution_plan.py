"""What the executor's short paths (schema/execution.py) may take, marked once at schema build.

``plain_leaves`` records on each object type the fields still on Strawberry's attribute getter
(plain leaves: a scalar or enum; plain objects: an object type), ``lean_resolvers`` replaces the
resolver chain of sync resolvers without arguments by a direct call and remembers them. The
executor reads these marks per request; anything not marked takes graphql-core's path.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    get_nullable_type,
    is_leaf_type,
)
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from schema.permission_guards import checked_resolver

PLAN_KEY = "allot:plain-leaves"
"""Key of a GraphQL object type's ``extensions`` holding its plain leaf fields."""

OBJECTS_KEY = "allot:plain-objects"
"""Key of a GraphQL object type's ``extensions`` holding its plain object fields."""

Plan = dict[str, tuple[str, Callable[[Any], Any], bool, type | None]]
"""Field name -> (Python attribute, the leaf type's output coercion, whether the permission
matrix must allow the field first, the exact value type the coercion returns unchanged: str for
String and ID, bool for Boolean, int for Int within 32 bits, else None)."""

INFO_FREE_KEY = "allot:info-free-is-type-of"
"""Key of a GraphQL object type's ``extensions``: True when its ``is_type_of`` ignores info."""

Objects = dict[str, tuple[str, GraphQLObjectType, GraphQLField]]
"""Field name -> (Python attribute, its object type, the field) for plain object fields."""

LEAN_RESOLVERS: set[Callable[..., Any]] = set()
"""The resolvers ``lean_resolvers`` made (sync, no arguments): the executor calls them
through its short ``execute_field``."""

_UNCHANGED: dict[Any, type] = {
    GraphQLString.coerce_output_value: str,
    GraphQLID.coerce_output_value: str,
    GraphQLBoolean.coerce_output_value: bool,
    GraphQLInt.coerce_output_value: int,
}
"""Built-in scalar coercions that return a value of exactly this type unchanged (Int: within
32 bits; graphql-core's ``serialize_*``)."""


def info_free_is_type_of(object_type: GraphQLObjectType) -> bool:
    """Whether ``object_type.is_type_of`` is the predicate Strawberry generates (schema_converter
    ``is_type_of(obj, _info)``), which never reads its info argument: then it can be called with
    None instead of a resolve info built only for it."""
    is_type_of = object_type.is_type_of
    code = getattr(is_type_of, "__code__", None)
    return (
        code is not None
        and code.co_name == "is_type_of"
        and code.co_filename.endswith("strawberry/schema/schema_converter.py")
        and code.co_varnames[1:2] == ("_info",)
    )


FAST_IS_TYPE_OF_KEY = "allot:exact-type-first-is-type-of"
"""Key of a GraphQL object type's ``extensions``: ``exact_type_first`` of its info-free
``is_type_of`` (absent when it has none, or one that reads its info)."""

_CAST_MARK = "__as_strawberry_type__"
"""The attribute ``strawberry.cast`` sets (strawberry.types.cast.TYPE_CAST_ATTRIBUTE)."""


def exact_type_first(
    object_type: GraphQLObjectType, is_type_of: Callable[[Any, Any], Any]
) -> Callable[[Any, Any], Any]:
    """Strawberry's generated ``is_type_of``, answering True at once for an instance of exactly
    the type's class that carries no ``strawberry.cast`` mark in its ``__dict__``: for such an
    object that predicate finds no cast, then ``isinstance(obj, possible_types)`` is true (the
    class is one of them, and an exact type never reaches ``__instancecheck__``). Its cast
    lookup (a failing ``getattr``) made it about 0.6 us a call, ~480 calls an accounts page.
    Anything else is asked of ``is_type_of``. Kept as is when the class could answer the cast
    lookup another way (the mark on a class, ``__getattr__``, ``__getattribute__``)."""
    definition = object_type.extensions.get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    if not isinstance(origin, type) or any(
        name in vars(klass)
        for klass in origin.__mro__
        if klass is not object
        for name in (_CAST_MARK, "__getattr__", "__getattribute__")
    ):
        return is_type_of

    def check(obj: Any, info: Any) -> Any:
        if type(obj) is origin:
            namespace = getattr(obj, "__dict__", None)
            if type(namespace) is dict and _CAST_MARK not in namespace:
                return True
        return is_type_of(obj, info)

    return check


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
    """Record each object type's plain leaf and object fields in its ``extensions``; how many.

    A plain leaf has no arguments, a scalar or enum type, and Strawberry's attribute getter as
    resolver, or that getter behind the matrix check of schema/permission_guards.py (then the
    entry says so and the executor applies the same check). Run after every resolver wrapper
    is in place: any other wrapper (audit, PARTNER boundary) keeps the ordinary path.

    A plain object field has no arguments, an object type (not a list, not abstract) and the
    unwrapped attribute getter; the executor reads the attribute and executes the object's
    fields directly (no resolver chain, no ``complete_value`` walk).
    """
    marked = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        plan: Plan = {}
        objects: Objects = {}
        for name, field in named.fields.items():
            if field.args:
                continue
            of_type = get_nullable_type(field.type)
            if isinstance(of_type, GraphQLObjectType):  # not a list, not an interface/union
                attribute = _basic_attribute(field.resolve, field)
                if attribute is not None:
                    objects[name] = (attribute, of_type, field)
                continue
            if not is_leaf_type(of_type):
                continue
            assert isinstance(of_type, GraphQLLeafType)
            inner = checked_resolver(field.resolve)
            guarded = inner is not None
            attribute = _basic_attribute(inner if guarded else field.resolve, field)
            if attribute is not None:
                coerce = of_type.coerce_output_value
                exact = _UNCHANGED.get(coerce)
                if isinstance(of_type, GraphQLEnumType):
                    coerce = _enum_members_first(of_type, coerce)
                plan[name] = (attribute, coerce, guarded, exact)
        info_free = info_free_is_type_of(named)
        extensions = {**named.extensions, INFO_FREE_KEY: info_free}
        if info_free and named.is_type_of is not None:
            extensions[FAST_IS_TYPE_OF_KEY] = exact_type_first(named, named.is_type_of)
        if plan or objects:
            extensions.update({PLAN_KEY: plan, OBJECTS_KEY: objects})
            marked += len(plan) + len(objects)
        named.extensions = extensions
    return marked


def _enum_members_first(
    enum_type: GraphQLEnumType, coerce: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """``coerce`` with the result for each member of the Python enum behind a Strawberry enum
    worked out once: Strawberry's ``coerce_output_value`` scans the GraphQL values comparing
    ``.value`` (about 1 µs per leaf). A member is recognised by identity (members are
    singletons; hashing one calls Python code); anything else goes to ``coerce``."""
    wrapped = getattr(enum_type, "wrapped_cls", None)
    if not isinstance(wrapped, type) or not issubclass(wrapped, Enum):
        return coerce
    table: dict[int, tuple[Enum, Any]] = {}
    for member in wrapped:
        try:
            table[id(member)] = (member, coerce(member))
        except Exception:  # not representable: the call reports it each time
            continue

    def coerce_member(value: Any) -> Any:
        hit = table.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        return coerce(value)

    return coerce_member


def lean_resolvers(schema: GraphQLSchema, info_class: type[Any]) -> int:
    """Call the plain sync resolvers directly, with the same arguments; how many fields.

    Strawberry wraps every resolver in a chain made for the general case (argument
    conversion, field extensions, exception handlers): for ``Account.territory`` or
    ``Partner.territories`` (``self`` and ``info`` only) that is about eight calls per field,
    hundreds of times a page. A field qualifies when its resolver is synchronous and takes no
    GraphQL arguments and no ``root``/``parent``, the field has no extension and Strawberry
    attached no exception handler to it; the replacement passes ``self`` (the source) and a
    Strawberry ``Info`` exactly as the chain does. Run before the permission guards wrap the
    resolvers (they then wrap the lean one).
    """
    replaced = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = field.extensions.get("strawberry-definition")
            if not isinstance(definition, StrawberryField) or not _leanable(definition, field):
                continue
            assert definition.base_resolver is not None
            field.resolve = _lean(definition, definition.base_resolver, info_class)
            replaced += 1
    return replaced


def _leanable(definition: StrawberryField, field: GraphQLField) -> bool:
    resolver = definition.base_resolver
    resolve = field.resolve
    if (
        resolver is None
        or resolve is None
        or field.args
        or definition.arguments
        or definition.extensions
        or definition.is_async
        or resolver.is_async
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or not callable(resolver.wrapped_func)
        or getattr(resolve, "__name__", "") != "_resolver"
    ):
        return False
    cells = dict(zip(resolve.__code__.co_freevars, resolve.__closure__ or (), strict=True))
    handlers = cells.get("field_exception_handlers")
    return handlers is not None and handlers.cell_contents == ()


def _lean(
    definition: StrawberryField, resolver: StrawberryResolver[Any], info_class: type[Any]
) -> Callable[..., Any]:
    func = cast(Callable[..., Any], resolver.wrapped_func)  # callable: _leanable checked
    takes_self = resolver.self_parameter is not None
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None

    def resolve(source: Any, info: Any) -> Any:
        args = (source,) if takes_self else ()
        if info_name is None:
            return func(*args)
        return func(*args, **{info_name: info_class(_raw_info=info, _field=definition)})

    resolve._is_default = False  # type: ignore[attr-defined]  # as Strawberry marks its own
    LEAN_RESOLVERS.add(resolve)
    return resolve
