"""The one Strawberry schema: feature queries and mutations merged, limits and error mask.

Build it once per process (building a second schema from the same types fails, NOTES.md).
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.accounts.mutation import AccountMutation
from schema.accounts.query import AccountQuery
from schema.common.scalars import SCALARS
from schema.execution import PlainLeafExecutionContext, lean_resolvers, plain_leaves
from schema.extensions import ProductionIntrospectionGate
from schema.node_query import NodeQuery
from schema.partners.mutation import PartnerMutation
from schema.partners.query import PartnerQuery
from schema.permission_guards import guard_fields
from schema.permissions import EnforcePermissions
from schema.portal.mutation import PortalMutation
from schema.portal.offers import OfferQuery
from schema.portal.query import PortalQuery
from schema.product_lines.query import ProductLineQuery
from schema.results.mutation import ResultMutation
from schema.results.query import ResultQuery
from schema.scenarios.mutation import ScenarioMutation
from schema.scenarios.query import ScenarioQuery
from schema.scenarios.subscription import ScenarioSubscription
from schema.security.audit import audit_mutations
from schema.security.audit_query import AuditQuery
from schema.security.authentication import RequireAuthentication
from schema.security.limits import CostLimiter, max_tokens_limiter
from schema.security.masking import MaskErrorsWithId
from schema.security.trusted import TrustedDocumentsGate
from schema.specialists.mutation import SpecialistMutation
from schema.specialists.query import SpecialistQuery
from schema.territories.query import TerritoryQuery
from schema.territories.types import Territory

MAX_DEPTH = 10
MAX_ALIASES = 30
CACHE_SIZE = 256

# The limiters' rule classes, made once: each request gets a fresh extension (no shared state)
# but the same rule classes, so that the validation cache can recognise a document it has seen.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


@strawberry.type
class Query(
    AuditQuery,
    NodeQuery,
    ProductLineQuery,
    TerritoryQuery,
    PartnerQuery,
    AccountQuery,
    SpecialistQuery,
    PortalQuery,
    OfferQuery,
    ScenarioQuery,
    ResultQuery,
):
    """All read fields."""


@strawberry.type
class Mutation(
    PartnerMutation,
    AccountMutation,
    SpecialistMutation,
    PortalMutation,
    ScenarioMutation,
    ResultMutation,
):
    """All write fields; each returns a union payload."""


@strawberry.type
class Subscription(ScenarioSubscription):
    """All subscriptions (over graphql-transport-ws)."""


def build_schema() -> strawberry.Schema:
    """Assemble the schema: depth and alias limits, parse/validation caches, the error mask.

    Extension order matters: the rule-adding extensions run their ``on_operation`` before the
    validation cache validates (the cache key includes the rules, so production requests with
    the no-introspection rule are cached apart).
    """
    built = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Territory],
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=PlainLeafExecutionContext,
        extensions=[
            RequireAuthentication,
            TrustedDocumentsGate,
            max_tokens_limiter,
            lambda: AddValidationRules(LIMIT_RULES),
            ProductionIntrospectionGate,
            EnforcePermissions,
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            CostLimiter,
            MaskErrorsWithId,
        ],
    )
    lean_resolvers(built._schema, built.config.info_class)
    # Permission checks and the audit wrap only the fields concerned (no per-field hook): the
    # audit outside the check, so that a refused mutation is recorded too.
    guard_fields(built._schema)
    audit_mutations(built._schema)
    # Last: only the fields still on Strawberry's attribute getter get the short path.
    plain_leaves(built._schema)
    return built


schema = build_schema()
