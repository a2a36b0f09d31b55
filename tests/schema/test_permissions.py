"""The permission matrix: complete for every root field, enforced per role, FORBIDDEN errors."""

from __future__ import annotations

import asyncpg
import pytest
from graphql import build_schema, parse, validate

from db.principal import Role
from schema import schema
from schema.permissions import _GATES, ROOTS, SENSITIVE, allowed, denial, matrix_markdown
from tests.auth_helpers import context_for


def _root_fields() -> list[tuple[str, str]]:
    graphql_schema = schema._schema
    roots = [
        graphql_schema.query_type,
        graphql_schema.mutation_type,
        graphql_schema.subscription_type,
    ]
    return [(t.name, f) for t in roots if t is not None for f in t.fields]


@pytest.mark.parametrize(("root", "field"), _root_fields())
def test_every_root_field_has_an_entry(root: str, field: str) -> None:
    assert field in ROOTS[root], f"{root}.{field} has no entry in schema/permissions.py"


def test_sensitive_entries_name_real_fields() -> None:
    """A sensitive entry whose type or field was renamed would silently protect nothing."""
    types = schema._schema.type_map
    for name in SENSITIVE:
        type_name, field = name.split(".")
        if type_name in types:  # types of features not wired yet are checked once they are
            assert field in types[type_name].fields, name  # type: ignore[attr-defined]


def test_role_rules() -> None:
    assert allowed("Query", "partners", Role.VIEWER)
    assert not allowed("Query", "partners", Role.PARTNER)
    assert not allowed("Mutation", "createPartner", Role.PLANNER)
    assert allowed("Mutation", "createPartner", Role.ADMIN)
    assert allowed("Mutation", "respondToOffer", Role.PARTNER)
    assert not allowed("Mutation", "respondToOffer", Role.ADMIN)
    assert not allowed("Query", "auditLog", Role.PLANNER)
    assert not allowed("Query", "noSuchField", Role.ADMIN)  # unlisted: refused to everyone
    assert not allowed("Partner", "name", Role.PARTNER)  # planner types closed to PARTNER
    assert allowed("OfferedAccount", "name", Role.PARTNER)
    assert not allowed("Query", "me", None)


def test_messages() -> None:
    assert denial("Mutation.publishScenario", Role.VIEWER) == (
        "Permission denied: publishScenario needs role ADMIN or PLANNER"
    )
    assert denial("Query.noSuchField", Role.ADMIN) == (
        "Permission denied: noSuchField is not in the permission matrix"
    )
    assert denial("Partner.name", Role.PARTNER) == (
        "Permission denied: Partner.name is not available to role PARTNER"
    )


def test_markdown_lists_every_root_field() -> None:
    table = matrix_markdown()
    for _, field in _root_fields():
        assert f"| `{field}` |" in table
    assert "| `createPartner` | yes | - | - | - |" in table  # ADMIN PLANNER PARTNER VIEWER


async def test_denied_field_reads_as_forbidden_error(pool: asyncpg.Pool) -> None:
    result = await schema.execute(
        "{ territories { code } }", context_value=context_for(pool, Role.PARTNER, 1)
    )
    assert result.data is None
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == "Permission denied: territories needs role ADMIN or PLANNER or VIEWER"
    assert error.extensions == {"code": "FORBIDDEN"}


def test_subscription_root_fields_are_refused_at_validation() -> None:
    """graphql-core runs no middleware on a subscription's source: the gate is a rule."""
    sdl = "type Query { a: Int } type Subscription { solveProgress: Int other: Int }"
    test_schema = build_schema(sdl)
    partner = _GATES[Role.PARTNER]
    viewer = _GATES[Role.VIEWER]
    spread = "subscription { ...F } fragment F on Subscription { solveProgress }"
    (error,) = validate(test_schema, parse(spread), [partner])
    assert error.message == "Permission denied: solveProgress needs role ADMIN or PLANNER or VIEWER"
    assert error.extensions == {"code": "FORBIDDEN"}
    assert validate(test_schema, parse("subscription { solveProgress }"), [viewer]) == []
    assert len(validate(test_schema, parse("subscription { other }"), [viewer])) == 1
    assert validate(test_schema, parse("{ a }"), [partner]) == []  # queries: resolve hook
