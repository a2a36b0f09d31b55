"""The role x operation matrix as data, and the checks that enforce it.

Every root field (query, mutation, subscription) has an entry naming the roles allowed to use
it; a root field without an entry is refused to everyone (tests/schema/test_permissions.py
keeps the matrix complete). Sensitive fields of the planner types carry their own entry. A
PARTNER may resolve fields only on the partner portal's own types (``PARTNER_TYPES``): every
planner type (Partner, Account, Scenario, results, ...) is closed to it, however it is
reached (nested fields, fragments, aliases, ``node``). A refusal is a GraphQL error with
``extensions.code = "FORBIDDEN"`` whose message names the field and the roles it needs (a
planner-type object met by a PARTNER's ``node``: the type); the field reads as null, never as
data. The checks sit on the fields that can be refused (schema/permission_guards.py).

In-process calls (no request and no principal: CLI, tests acting as the operator) are not
checked; a served request always carries a principal (schema/security/authentication.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from db.principal import Principal, Role

Roles = frozenset[Role]

ALL: Roles = frozenset(Role)
READ: Roles = frozenset({Role.ADMIN, Role.PLANNER, Role.VIEWER})
PLAN: Roles = frozenset({Role.ADMIN, Role.PLANNER})
ADMIN: Roles = frozenset({Role.ADMIN})
PARTNER: Roles = frozenset({Role.PARTNER})

QUERY: Mapping[str, Roles] = {
    "node": ALL,  # a PARTNER gets only its own partner and offered accounts (portal types)
    "me": ALL,
    "myPartner": PARTNER,
    "myAssignments": PARTNER,
    "productLines": ALL,  # the product catalogue (code, name, business unit): no channel data
    "territories": READ,
    "territory": READ,
    "partners": READ,
    "partner": READ,
    "accounts": READ,
    "account": READ,
    "specialists": READ,
    "specialist": READ,
    "scenarios": READ,
    "scenario": READ,
    "compareScenarios": READ,
    "offers": READ,
    "auditLog": ADMIN,
}
MUTATION: Mapping[str, Roles] = {
    "createPartner": ADMIN,
    "updatePartner": ADMIN,
    "setPartnerTerritories": ADMIN,
    "setPartnerCompetencies": ADMIN,
    "deactivatePartner": ADMIN,
    "createAccount": ADMIN,
    "updateAccount": ADMIN,
    "setAccountWallet": ADMIN,
    "releaseAccounts": ADMIN,
    "createSpecialist": ADMIN,
    "updateSpecialist": ADMIN,
    "createScenario": PLAN,
    "updateScenario": PLAN,
    "cloneScenario": PLAN,
    "archiveScenario": PLAN,
    "deleteScenario": PLAN,
    "solveScenario": PLAN,
    "cancelSolve": PLAN,
    "publishScenario": PLAN,
    "repairScenario": PLAN,
    "expireOffers": PLAN,
    "respondToOffer": PARTNER,
}
SUBSCRIPTION: Mapping[str, Roles] = {
    "solveProgress": READ,
}
ROOTS: Mapping[str, Mapping[str, Roles]] = {
    "Query": QUERY,
    "Mutation": MUTATION,
    "Subscription": SUBSCRIPTION,
}

SENSITIVE: Mapping[str, Roles] = {
    "Account.wallets": READ,  # whitespace per line
    "Account.totalWhitespaceCents": READ,
    "Wallet.whitespaceCents": READ,
    "Partner.competencies": READ,
    "Scenario.result": READ,  # KPIs, assignments, loads
    "ScenarioResult.kpis": READ,
    "PartnerLoad.shadowPrice": READ,
    "SpecialistLoad.shadowPrice": READ,
    "Assignment.regretCents": READ,
}
"""Fields worth naming on their own (``Type.field``); PARTNER is also kept off their types."""

PARTNER_TYPES = frozenset(
    {
        "Me",
        "PortalPartner",
        "OfferedAccount",
        "OfferedAccountConnection",
        "OfferedAccountEdge",
        "PageInfo",
        "PortalTerritory",
        "LineWhitespace",
        "PortalSpecialist",
        "ProductLine",
        "RespondToOfferSuccess",
        "NotFoundError",
        "ValidationError",
    }
)
"""The only types whose fields a PARTNER may resolve (besides its root fields)."""

FORBIDDEN = "FORBIDDEN"


class PermissionDenied(GraphQLError):
    """The caller's role may not read or run this field; nothing of it is returned."""

    def __init__(self, where: str, role: Role | None) -> None:
        super().__init__(denial(where, role), extensions={"code": FORBIDDEN})


def denial(where: str, role: Role | None) -> str:
    """The refusal's message: a root field names the roles it needs, other fields the role.

    ``Permission denied: createPartner needs role ADMIN``;
    ``Permission denied: Partner.name is not available to role PARTNER``.
    """
    parent, _, field = where.partition(".")
    root = ROOTS.get(parent)
    if root is not None:
        needed = [r.value for r in Role if r in root.get(field, frozenset())]
        if not needed:
            return f"Permission denied: {field} is not in the permission matrix"
        return f"Permission denied: {field} needs role {' or '.join(needed)}"
    who = f"role {role.value}" if role is not None else "an unauthenticated caller"
    return f"Permission denied: {where} is not available to {who}"


def checked_principal(context: Any) -> tuple[bool, Principal | None]:
    """(check?, principal): in-process calls without request and principal are not checked."""
    principal = getattr(context, "principal", None)
    if principal is None and getattr(context, "request", None) is None:
        return False, None
    return True, principal if isinstance(principal, Principal) else None


def allowed(parent: str, field: str, role: Role | None) -> bool:
    """Whether ``role`` may resolve ``parent.field`` under the matrix."""
    if field.startswith("__") or parent.startswith("__"):
        return True  # introspection (switched off in production by its own gate)
    if role is None:
        return False
    root = ROOTS.get(parent)
    if root is not None:
        return role in root.get(field, frozenset())
    if role is Role.PARTNER and parent not in PARTNER_TYPES:
        return False
    roles = SENSITIVE.get(f"{parent}.{field}")
    return roles is None or role in roles


def refusal(context: Any, parent: str, field: str) -> PermissionDenied | None:
    """The PermissionDenied for ``parent.field`` under ``context``'s principal, or None.

    Depends only on the context and the field, not on the object: the executor may ask once
    per field of a request (schema/execution.py) rather than once per object.
    """
    needed, principal = checked_principal(context)
    if not needed:
        return None
    role = principal.role if principal is not None else None
    if not allowed(parent, field, role):
        return PermissionDenied(f"{parent}.{field}", role)
    return None


def check(info: GraphQLResolveInfo[Any]) -> None:
    """Raise PermissionDenied when the context's principal may not resolve this field."""
    denied = refusal(info.context, info.parent_type.name, info.field_name)
    if denied is not None:
        raise denied


class EnforcePermissions(SchemaExtension):
    """Add the subscription gate of the caller's role to validation (``_SubscriptionGate``).

    Query and mutation fields are checked by the resolvers that ``guard_fields``
    (schema/permission_guards.py) wraps, not by a schema-wide ``resolve`` hook: such a hook
    makes Strawberry wrap every field's resolver (about 2,300 per accounts page).
    """

    def on_operation(self) -> Iterator[None]:
        """Add the subscription gate of the caller's role (checked requests only)."""
        needed, principal = checked_principal(self.execution_context.context)
        if needed:
            gate = _GATES[principal.role if principal is not None else None]
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, gate)
        yield


class _SubscriptionGate(ValidationRule):
    """Refuse subscription root fields the role may not use, before any source stream starts
    (graphql-core does not run middleware on a subscription's source resolver)."""

    role: Role | None = None

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        """Check the root fields of a subscription operation, fragments included."""
        if node.operation is not OperationType.SUBSCRIPTION:
            return
        for name in _root_field_names(self.context, node.selection_set, set()):
            if not allowed("Subscription", name, self.role):
                denied = PermissionDenied(f"Subscription.{name}", self.role)
                self.report_error(GraphQLError(denied.message, node, extensions=denied.extensions))


def _root_field_names(
    context: ValidationContext, selection_set: SelectionSetNode, seen: set[str]
) -> list[str]:
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names.extend(_root_field_names(context, selection.selection_set, seen))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = context.get_fragment(selection.name.value)
            if fragment is not None:
                names.extend(_root_field_names(context, fragment.selection_set, seen))
    return names


_GATES: dict[Role | None, type[_SubscriptionGate]] = {
    role: type(
        f"SubscriptionGate{role.value if role else 'None'}", (_SubscriptionGate,), {"role": role}
    )
    for role in (*Role, None)
}
"""One rule class per role, made once, so that the validation cache can recognise them."""


def principal_of(context: Any) -> Principal | None:
    """The request's principal (None for in-process calls)."""
    principal = getattr(context, "principal", None)
    return principal if isinstance(principal, Principal) else None


def partner_scope(context: Any) -> int | None:
    """The partner id a PARTNER caller is confined to; None for every other caller."""
    principal = principal_of(context)
    if principal is not None and principal.role is Role.PARTNER:
        return principal.partner_id
    return None


def matrix_markdown() -> str:
    """The matrix as Markdown tables (README "Permissions"), generated from the data."""
    roles = list(Role)
    head = "| field | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    parts = []
    for title, rows in (
        ("Queries", QUERY),
        ("Mutations", MUTATION),
        ("Subscriptions", SUBSCRIPTION),
        ("Sensitive fields", SENSITIVE),
    ):
        lines = [f"**{title}**", "", head, rule]
        for name, allowed_roles in rows.items():
            marks = " | ".join("yes" if r in allowed_roles else "-" for r in roles)
            lines.append(f"| `{name}` | {marks} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
