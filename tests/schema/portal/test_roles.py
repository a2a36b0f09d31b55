"""Role matrix for every mutation (and every query root field): a denied role gets FORBIDDEN
and no data; an allowed role is never refused. Arguments are generated from the schema's
types (placeholders that pass GraphQL validation; the resolvers may reject them afterwards)."""

from __future__ import annotations

import asyncpg
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined

from db.principal import Role
from schema import schema
from schema.permissions import MUTATION, QUERY, denial
from tests.auth_helpers import context_for

SCALARS = {"ID": '"UGFydG5lcjox"', "String": '"x"', "Int": "1", "Float": "0.5", "Boolean": "true"}
PARTNER_ID = 1


def literal(type_: GraphQLInputType) -> str:
    """A GraphQL literal of ``type_`` (required input fields filled recursively)."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {literal(field.type)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return SCALARS.get(type_.name, '"1"')


def selection(field: GraphQLField) -> str:
    """The smallest selection of a field's result."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType | GraphQLUnionType):
        return "{ __typename }"
    return "" if not hasattr(named, "fields") else "{ __typename }"


def operation(kind: str, name: str, field: GraphQLField) -> str:
    """``kind { name(required args) { __typename } }``."""
    args = [
        f"{arg}: {literal(spec.type)}"
        for arg, spec in field.args.items()
        if isinstance(spec.type, GraphQLNonNull)
    ]
    call = f"{name}({', '.join(args)})" if args else name
    return f"{kind} {{ {call} {selection(field)} }}"


def _cases(kind: str) -> list[tuple[str, str, GraphQLField]]:
    root = schema._schema.mutation_type if kind == "mutation" else schema._schema.query_type
    assert root is not None
    return [(operation(kind, name, field), name, field) for name, field in root.fields.items()]


async def _refusals(pool: asyncpg.Pool, kind: str, matrix: dict[str, frozenset[Role]]) -> list[str]:
    """Every (field, role) whose outcome contradicts the matrix, described."""
    wrong = []
    parent = "Mutation" if kind == "mutation" else "Query"
    for document, name, _ in _cases(kind):
        for role in Role:
            partner_id = PARTNER_ID if role is Role.PARTNER else None
            context = context_for(pool, role, partner_id)
            result = await schema.execute(document, context_value=context)
            forbidden = [
                e.message
                for e in result.errors or []
                if (e.extensions or {}).get("code") == "FORBIDDEN"
            ]
            expected = (
                [] if role in matrix.get(name, frozenset()) else [denial(f"{parent}.{name}", role)]
            )
            leaked = forbidden and result.data is not None and result.data.get(name) is not None
            if forbidden != expected or leaked:
                wrong.append(f"{name} as {role.value}: {forbidden or result.data}")
    return wrong


async def test_every_mutation_follows_the_matrix(pool: asyncpg.Pool) -> None:
    assert await _refusals(pool, "mutation", dict(MUTATION)) == []


async def test_every_query_root_field_follows_the_matrix(pool: asyncpg.Pool) -> None:
    assert await _refusals(pool, "query", dict(QUERY)) == []


def test_cases_cover_every_mutation() -> None:
    names = {name for _, name, _ in _cases("mutation")}
    assert {"createPartner", "respondToOffer", "expireOffers"} <= names
    assert names <= set(MUTATION)
