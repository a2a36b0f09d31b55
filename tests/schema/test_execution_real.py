"""On the real schema and data, the short paths give what Strawberry's own executor gives.

schema/execution.py is checked on a small schema of odd cases (tests/schema/test_execution.py);
here the same operations run on the real schema twice, once as served and once with Strawberry's
execution context in its place (which ignores the schema's marks and completes every field the
ordinary graphql-core way), for each role; data and errors must be equal. The root connections'
prefetch on one connection and the lazy edge cursors are exercised too: both runs use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from db.principal import Principal, Role
from schema import schema
from schema.common.ids import encode_id
from schema.context import Context

ACCOUNTS = """{ accounts(first: 12) {
  pageInfo { hasNextPage endCursor }
  edges { node { id name totalWhitespaceCents
    territory { id code name }
    incumbentPartner { id name tier }
    wallets { productLine { code } walletCents spendCents whitespaceCents } } } } }"""
PARTNERS = """{ partners(first: 12) {
  pageInfo { hasNextPage endCursor startCursor }
  edges { cursor node { id name track tier capacity
    territories { id code name }
    competencies { attachRate productLine { code } } } } } }"""
QUERIES = [
    ACCOUNTS,
    PARTNERS,
    """{ accounts(first: 5, order: NAME_ASC) { totalCount edges { c: cursor node {
      __typename ...A territory { __typename ... on Territory { code region } } } } } }
    fragment A on Account { id external: externalRef coverage segment workload
      eligiblePartners { name active } wallets { __typename productLine { id name } } }""",
    """{ territories { code partners(first: 3) { totalCount edges { node { name
      competencies { attachRate } } } } accounts(first: 2) { edges { node { name
      incumbentPartner { name } wallets { whitespaceCents } } } } } }""",
    """{ specialists(first: 6) { edges { node { id name capacity territory { code }
      productLine { code businessUnit } } } } productLines { id code name } }""",
    "{ me { subject role partner { __typename id name track tier capacity active } } }",
    f"""{{ node(id: "{encode_id("Account", 1)}") {{ __typename ... on Account {{ name
      totalWhitespaceCents wallets {{ whitespaceCents productLine {{ code }} }}
      territory {{ code }} incumbentPartner {{ name }} }} }} }}""",
    f"""{{ node(id: "{encode_id("Partner", 1)}") {{ ... on Partner {{ name tier
      competencies {{ attachRate }} territories {{ code name }} }} }} }}""",
]
ROLES: list[Principal | None] = [
    None,  # no principal, not a served request: the matrix refuses every guarded field
    Principal(subject="t-admin", role=Role.ADMIN),
    Principal(subject="t-planner", role=Role.PLANNER),
    Principal(subject="t-partner", role=Role.PARTNER, partner_id=1),
]


@contextmanager
def strawberry_executor() -> Iterator[None]:
    """Run the schema with Strawberry's own execution context for a while."""
    served = schema.execution_context_class
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        yield
    finally:
        schema.execution_context_class = served


async def test_the_cases_run_something(seeded_pool: asyncpg.Pool) -> None:
    """The cases above compare real pages (ADMIN) and refusals (PARTNER at the root; nested
    refusals are covered on the small schema of tests/schema/test_execution.py)."""
    admin = Context(seeded_pool, principal=ROLES[1])
    page = await schema.execute(ACCOUNTS, context_value=admin)
    assert page.errors is None and page.data is not None
    assert len(page.data["accounts"]["edges"]) == 12
    partner = Context(seeded_pool, principal=ROLES[3])
    refused = await schema.execute(ACCOUNTS, context_value=partner)
    assert refused.data is None and refused.errors


def _outcome(result: Any) -> tuple[Any, list[dict[str, Any]]]:
    errors = sorted((e.formatted for e in result.errors or []), key=str)
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
async def test_real_schema_gives_what_strawberry_gives(
    seeded_pool: asyncpg.Pool, query: str
) -> None:
    for principal in ROLES:
        served = await schema.execute(
            query, context_value=Context(seeded_pool, principal=principal)
        )
        with strawberry_executor():
            ordinary = await schema.execute(
                query, context_value=Context(seeded_pool, principal=principal)
            )
        assert _outcome(served) == _outcome(ordinary), principal
        assert served.data is not None or served.errors, principal
