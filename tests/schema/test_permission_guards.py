"""The field guards: attached to the fields that can be refused only, and the ``node`` boundary
refuses a planner-type object to a PARTNER (portal_node never hands it one; this is the net)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
import strawberry

from db.principal import Role
from schema import schema
from schema.permission_guards import _partner_typed
from schema.permissions import PermissionDenied
from tests.auth_helpers import context_for


@strawberry.type(name="Account")
class PlannerAccount:
    name: str


@strawberry.type(name="OfferedAccount")
class PortalAccount:
    name: str


def _wrapped(value: object) -> Any:
    return _partner_typed(lambda _source, _info: value)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PLANNER])
async def test_node_boundary_refuses_planner_types_to_partner(
    pool: asyncpg.Pool, role: Role
) -> None:
    info = SimpleNamespace(context=context_for(pool, role, 1 if role is Role.PARTNER else None))
    portal = PortalAccount(name="mine")
    assert _wrapped(portal)(None, info) is portal
    planner = PlannerAccount(name="theirs")
    if role is Role.PLANNER:
        assert _wrapped(planner)(None, info) is planner
        return
    with pytest.raises(PermissionDenied) as refused:
        _wrapped(planner)(None, info)
    assert refused.value.message == "Permission denied: Account is not available to role PARTNER"
    assert refused.value.extensions == {"code": "FORBIDDEN"}
    with pytest.raises(PermissionDenied):
        _wrapped([portal, planner])(None, info)


async def test_in_process_calls_are_not_checked() -> None:
    info = SimpleNamespace(context=SimpleNamespace(principal=None, request=None))
    planner = PlannerAccount(name="any")
    assert _wrapped(planner)(None, info) is planner


def test_only_the_concerned_fields_are_wrapped() -> None:
    """Plain fields keep Strawberry's resolver: no per-field hook on the hot path."""
    graphql_schema = schema._schema
    account = graphql_schema.get_type("Account")
    assert account is not None and hasattr(account, "fields")
    assert "checked" in account.fields["totalWhitespaceCents"].resolve.__qualname__
    assert "checked" not in account.fields["name"].resolve.__qualname__
    query = graphql_schema.query_type
    assert query is not None
    assert "typed" in query.fields["node"].resolve.__qualname__
    assert "checked" in query.fields["accounts"].resolve.__qualname__
    mutation = graphql_schema.mutation_type
    assert mutation is not None
    assert "audited" in mutation.fields["createPartner"].resolve.__qualname__
