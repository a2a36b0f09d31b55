"""The short path for plain leaf fields (schema/execution.py) gives exactly graphql-core's results.

Each case runs the same operation on two schemas built from fresh copies of the same types:
one with Strawberry's own execution context, one with ``PlainLeafExecutionContext`` and the
plan of ``plain_leaves``; data and errors (message, path, extensions) must be equal. The odd
values (None in a non-null field, an exception or a coroutine in an attribute, an Int out of
range, a failing scalar) take the ordinary path and must still produce the same errors.
"""

# No "from __future__ import annotations": Strawberry resolves these local classes eagerly.

import enum
from collections.abc import Generator
from typing import Any, NewType

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from db.principal import Principal, Role
from schema import schema as allot_schema
from schema.context import Context
from schema.execution import PLAN_KEY, PlainLeafExecutionContext, lean_resolvers, plain_leaves
from schema.permission_guards import _checked
from schema.permissions import SENSITIVE

Even = NewType("Even", int)


def _even(value: object) -> int:
    if not isinstance(value, int) or value % 2:
        raise ValueError(f"not even: {value!r}")
    return value


class Later:
    """An awaitable that makes its coroutine only when awaited (no never-awaited warnings)."""

    def __await__(self) -> Generator[Any, None, str]:
        async def value() -> str:
            return "awaited"

        return value().__await__()


def build(
    fast: bool, context_class: type[PlainLeafExecutionContext] = PlainLeafExecutionContext
) -> strawberry.Schema:
    """A small schema with plain leaves of every kind, and one field behind the matrix check."""

    @strawberry.enum
    class Colour(enum.Enum):
        RED = "red"
        GREEN = "green"

    @strawberry.interface
    class Labelled:
        label: str

    @strawberry.type
    class Tag(Labelled):  # implements an interface: Strawberry gives it an is_type_of
        pass

    @strawberry.type
    class Owner:
        name: str  # None in one case: an error inside a nullable plain object field
        code: str = "k"  # behind the matrix check (refused to PARTNER and to no role)
        pet: Tag | None = None  # a plain object inside a plain object

    @strawberry.type
    class Item:
        name: str
        count: int
        maybe: str | None
        colour: Colour
        even: Even
        strict: str  # non-null: None here is an error that nulls the item
        odd: Any = strawberry.field(graphql_type=str | None)  # an exception or coroutine
        secret: str = "s"
        owner: Owner | None = None
        tag: Tag = strawberry.field(default_factory=lambda: Tag(label="t"))
        tags: list[Tag] = strawberry.field(default_factory=lambda: [Tag(label="u")])
        owners: list[Owner | None] = strawberry.field(default_factory=list)
        kinds: list[Tag | None] = strawberry.field(default_factory=list)  # casts, subclasses

        @strawberry.field
        def shout(self) -> str:
            return self.name.upper()

        @strawberry.field
        def where(self, info: strawberry.Info) -> str:
            return f"{info.field_name}/{info.python_name}/{info.path.key}/{self.name}"

        @strawberry.field
        def fails(self) -> str | None:
            raise ValueError(f"no {self.name}")

        @strawberry.field
        def boss(self) -> Owner | None:  # a resolver's object: complete_value's builder
            return self.owner

        @strawberry.field
        def crew(self) -> list[Owner | None]:
            return self.owners

        @strawberry.field
        def whisper(self) -> str:  # behind the matrix check (refused to PARTNER, no role)
            return self.name.lower()

        @strawberry.field
        def later(self) -> str:
            return Later()  # type: ignore[return-value]  # graphql-core awaits it

        @strawberry.field
        def late_boss(self) -> Owner | None:
            async def boss() -> Owner | None:
                return self.owner

            return boss()  # type: ignore[return-value]  # graphql-core awaits it

    class SubTag(Tag):  # a plain subclass: not the exact class, is_type_of still true
        pass

    def items() -> list[Item | None]:
        return [
            Item(
                name="a",
                count=1,
                maybe=None,
                colour=Colour.RED,
                even=Even(2),
                strict="x",
                odd=1,
                kinds=[
                    SubTag(label="s"),
                    strawberry.cast(Owner, Tag(label="cast away")),  # is_type_of: false
                    Tag(label="t"),
                ],
            ),
            Item(
                name="b",
                count=2**40,
                maybe="m",
                colour=Colour.GREEN,
                even=Even(4),
                strict="y",
                odd=ValueError("boom"),
                owner=Owner(name="o", pet=Tag(label="l")),
                tag=Owner(name="not a tag"),  # type: ignore[arg-type]  # is_type_of refuses it
                tags=[Tag(label="v"), Tag(label="w")],
                owners=[
                    None,
                    Owner(name="q"),
                    Owner(name=None),
                    Owner(name="s", pet=Tag(label="m")),
                ],  # type: ignore[arg-type]
            ),
            Item(
                name="c",
                count=3,
                maybe="n",
                colour=Colour.RED,
                even=Even(5),
                strict="z",
                odd=Later(),
                owner=Owner(name=None),  # type: ignore[arg-type]
                tags=[Tag(label="x"), Owner(name="not a tag")],  # type: ignore[list-item]
                owners=[Owner(name="r", pet=Tag(label=None)), ValueError("no owner")],  # type: ignore[list-item, arg-type]
            ),
            Item(
                name="d",
                count=4,
                maybe=None,
                colour="green",  # type: ignore[arg-type]  # a raw value, not a member
                even=Even(6),
                strict=None,  # type: ignore[arg-type]
                odd=None,
                owner=Owner(name="p", pet=Owner(name="not a tag")),  # type: ignore[arg-type]
                tag=Tag(label=None),  # type: ignore[arg-type]  # nulls the item
                tags=[Tag(label="y"), Tag(label=None)],  # type: ignore[arg-type]  # nulls the list
            ),
        ]

    @strawberry.type
    class Query:
        @strawberry.field
        def items(self) -> list[Item | None]:
            return items()

        @strawberry.field
        def more_items(self) -> list[Item | None]:
            return [None, *items()]

    scalar = strawberry.scalar(name="Even", serialize=_even, parse_value=_even)
    built = strawberry.Schema(
        query=Query,
        config=StrawberryConfig(scalar_map={Even: scalar}),
        execution_context_class=context_class if fast else None,
    )
    item = built._schema.get_type("Item")
    assert item is not None and hasattr(item, "fields")
    if fast:
        assert lean_resolvers(built._schema, built.config.info_class) == 10  # + Query's two
    item.fields["secret"].resolve = _checked(item.fields["secret"].resolve)
    item.fields["whisper"].resolve = _checked(item.fields["whisper"].resolve)
    owner = built._schema.get_type("Owner")
    assert owner is not None and hasattr(owner, "fields")
    owner.fields["code"].resolve = _checked(owner.fields["code"].resolve)
    if fast:
        assert plain_leaves(built._schema) == 14  # 10 on Item, 3 on Owner, Tag.label
    return built


def _outcome(result: Any) -> tuple[Any, list[dict[str, Any]]]:
    errors = sorted(
        ({**e.formatted, "locations": None} for e in result.errors or []),
        key=lambda e: str(e["path"]),
    )
    return result.data, errors


QUERIES = [
    "{ items { name count } }",
    "{ items { name maybe colour even } }",
    "{ items { name strict } }",
    "{ items { name odd } }",
    "{ items { name shout alias: name again: colour } }",
    "{ items { where w2: where fails } }",
    "{ items { name secret } }",
    "{ items { __typename name } }",
    "{ items { name owner { name } } }",
    "{ items { name tag { label __typename } } }",
    "{ items { tag { ... on Labelled { label } } owner { n: name } } }",
    "{ items { name tags { label } } }",
    "{ items { tags { __typename label } owners { name } } }",
    "{ moreItems { name odd tags { label } owners { n: name } } }",
    "{ moreItems { tags { ... on Labelled { label } } } items { owners { __typename } } }",
    "{ items { owner { name pet { label __typename } } } }",
    "{ items { boss { name pet { label } } crew { name } } }",
    "{ items { owner { name code } boss { code } } }",
    "{ items { boss { __typename n: name } b2: boss { name } } }",
    "{ moreItems { crew { pet { label } } owners { pet { l: label } } } }",
    "{ items { owner { pet { ... on Tag { label } } ...F } } } fragment F on Owner { name }",
    "{ items { whisper later lateBoss { name pet { label } } } }",
    "{ moreItems { where shout whisper fails boss { code } w: whisper } }",
    "{ items { s: shout ... on Item { shout where } } }",
    "{ items { kinds { label __typename } } }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("role", [None, Role.PLANNER, Role.PARTNER])
async def test_short_path_gives_the_ordinary_results(query: str, role: Role | None) -> None:
    principal = Principal(subject="t", role=role, partner_id=1 if role is Role.PARTNER else None)
    context = Context(pool=None, principal=principal if role is not None else None)  # type: ignore[arg-type]
    ordinary = await build(fast=False).execute(query, context_value=context)
    short = await build(fast=True).execute(query, context_value=context)
    assert _outcome(short) == _outcome(ordinary)
    assert ordinary.errors or ordinary.data  # the cases do run something


async def test_the_odd_values_give_errors_and_the_check_refuses() -> None:
    """The cases above do exercise the fallbacks: errors where graphql-core reports them."""
    fast = build(fast=True)
    partner = Principal(subject="p", role=Role.PARTNER, partner_id=1)
    context = Context(pool=None, principal=partner)  # type: ignore[arg-type]

    async def run(field: str) -> tuple[Any, dict[str, str]]:
        result = await fast.execute(f"{{ items {{ {field} }} }}", context_value=context)
        assert result.data is not None
        return result.data["items"], {str(e.path): e.message for e in result.errors or []}

    items, errors = await run("count")
    assert items == [{"count": 1}, None, {"count": 3}, {"count": 4}]
    assert "Int cannot represent non 32-bit" in errors["['items', 1, 'count']"]
    items, errors = await run("odd")
    assert items == [{"odd": "1"}, {"odd": None}, {"odd": "awaited"}, {"odd": None}]
    assert errors == {"['items', 1, 'odd']": "boom"}
    items, errors = await run("even")
    assert items[2] is None and "not even" in errors["['items', 2, 'even']"]
    items, errors = await run("strict")
    assert items[3] is None
    assert errors == {
        "['items', 3, 'strict']": "Cannot return null for non-nullable field Item.strict."
    }
    items, errors = await run("owner { name }")
    assert items == [
        {"owner": None},
        {"owner": {"name": "o"}},
        {"owner": None},
        {"owner": {"name": "p"}},
    ]
    assert errors == {
        "['items', 2, 'owner', 'name']": "Cannot return null for non-nullable field Owner.name."
    }
    items, errors = await run("tag { label }")
    assert items == [{"tag": {"label": "t"}}, None, {"tag": {"label": "t"}}, None]
    assert errors["['items', 1, 'tag']"].startswith("Expected value of type 'Tag' but got")
    assert errors["['items', 3, 'tag', 'label']"] == (
        "Cannot return null for non-nullable field Tag.label."
    )
    items, errors = await run("secret")
    assert items == [None] * 4  # non-null field refused: the item is null
    assert set(errors.values()) == {
        "Permission denied: Item.secret is not available to role PARTNER"
    }


async def test_plain_selections_get_a_builder_and_the_others_do_not() -> None:
    """Builders are made for the plain selections only (so the cases above exercise them): not
    for a selection with a resolver, nor for one with a leaf the matrix refuses."""
    made: list[tuple[str, bool]] = []

    class Recording(PlainLeafExecutionContext):
        def _make_builder(self, object_type: Any, field_details_list: Any) -> Any:
            builder = super()._make_builder(object_type, field_details_list)
            made.append((object_type.name, builder is not None))
            return builder

    fast = build(fast=True, context_class=Recording)
    query = "{ items { name boss { name code pet { label } } tags { label } shout } }"
    for role, code_allowed in ((Role.PLANNER, True), (Role.PARTNER, False)):
        made.clear()
        partner = 1 if role is Role.PARTNER else None
        principal = Principal(subject="t", role=role, partner_id=partner)
        result = await fast.execute(query, context_value=Context(pool=None, principal=principal))  # type: ignore[arg-type]
        assert result.data is not None
        assert sorted(set(made)) == sorted(
            {("Item", False), ("Owner", code_allowed), ("Tag", True)}
        ), role


async def test_lean_resolvers_take_the_short_path_unless_the_matrix_refuses() -> None:
    """Sync resolvers without arguments run through ``_execute_lean`` (so the cases above
    compare it with graphql-core's ``execute_field``); a guarded one only when allowed."""
    ran: list[str] = []

    class Recording(PlainLeafExecutionContext):
        def _execute_lean(self, lean: Any, *args: Any) -> Any:
            ran.append(args[-1].key)  # the field's path: its response name
            return super()._execute_lean(lean, *args)

    fast = build(fast=True, context_class=Recording)
    query = (
        "{ items { shout boss { name } later whisper } }"  # whisper last: a refusal nulls the item
    )
    for role, whisper_allowed in ((Role.PLANNER, True), (Role.PARTNER, False)):
        ran.clear()
        partner = 1 if role is Role.PARTNER else None
        principal = Principal(subject="t", role=role, partner_id=partner)
        result = await fast.execute(query, context_value=Context(pool=None, principal=principal))  # type: ignore[arg-type]
        assert result.data is not None
        expected = {"shout", "boss", "later"} | ({"whisper"} if whisper_allowed else set())
        assert set(ran) == expected, role
        assert len(ran) == 4 * len(expected)  # once per item


async def test_lists_of_objects_report_item_errors_where_graphql_core_does() -> None:
    """The list short path (complete_iterable_value) keeps per-item errors and null bubbling."""
    fast = build(fast=True)
    context = Context(pool=None, principal=None)  # type: ignore[arg-type]
    result = await fast.execute(
        "{ moreItems { tags { label } owners { name } } }", context_value=context
    )
    assert result.data == {
        "moreItems": [
            None,
            {"tags": [{"label": "u"}], "owners": []},
            {
                "tags": [{"label": "v"}, {"label": "w"}],
                "owners": [None, {"name": "q"}, None, {"name": "s"}],
            },
            None,  # a non-Tag in the non-null tags list: the list, then the item, is null
            None,  # a Tag with a null label: the same
        ]
    }
    errors = {str(e.path): e.message for e in result.errors or []}
    assert errors == {
        "['moreItems', 2, 'owners', 2, 'name']": (
            "Cannot return null for non-nullable field Owner.name."
        ),
        "['moreItems', 3, 'tags', 1]": "Expected value of type 'Tag' but got: <Owner instance>.",
        "['moreItems', 4, 'tags', 1, 'label']": (
            "Cannot return null for non-nullable field Tag.label."
        ),
    }


def test_guarded_fields_keep_their_check_on_the_short_path() -> None:
    """Every SENSITIVE leaf in a plan is marked for the matrix check; unguarded ones are not."""
    graphql_schema = allot_schema._schema
    for where in SENSITIVE:
        parent, _, name = where.partition(".")
        owner = graphql_schema.get_type(parent)
        plan = getattr(owner, "extensions", {}).get(PLAN_KEY, {})
        if name in plan:
            assert plan[name][2] is True, where
    account = graphql_schema.get_type("Account")
    assert account is not None
    plan = account.extensions[PLAN_KEY]
    assert plan["name"][2] is False
    assert plan["totalWhitespaceCents"][2] is True
    assert "territory" not in plan  # a resolver: ordinary path
