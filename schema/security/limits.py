"""Query limits beyond depth and aliases: tokens (at parse time) and cost (before execution).

Cost counts the field instances a query may resolve: every selected field costs the product
of the page sizes (``first``, or the field's default) of the connections above it, so
``partners(first: 100) { edges { node { accounts(first: 100) { edges { node { name } } } } } }``
costs about 100 * 100 * 3. Fragments count where they are spread. Variables are read from
the request, so ``first: $n`` costs what ``$n`` is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql.type import GraphQLInterfaceType
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

MAX_TOKENS = 2000
MAX_COST = 10_000
PAGE_ARGUMENT = "first"
UNKNOWN_PAGE = 100  # a page size we cannot read is counted as the cap


def max_tokens_limiter() -> MaxTokensLimiter:
    """graphql-core stops parsing after MAX_TOKENS tokens ("Document contains more than ...")."""
    return MaxTokensLimiter(max_token_count=MAX_TOKENS)


class CostLimiter(SchemaExtension):
    """Refuse operations whose cost (page sizes multiplied down the tree) exceeds a limit."""

    def __init__(self, max_cost: int = MAX_COST) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        """Measure the validated document with the request's variables, before executing."""
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            operation = get_operation_ast(document, ctx.operation_name)
            if operation is not None:
                cost = operation_cost(
                    ctx.schema._schema, document.definitions, operation, ctx.variables or {}
                )
                if cost > self.max_cost:
                    raise GraphQLError(
                        f"Query cost {cost} exceeds the limit of {self.max_cost} (each field "
                        "counts once per item of the pages above it: ask for smaller pages "
                        "or fewer nested connections)",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "cost": cost,
                            "limit": self.max_cost,
                        },
                    )
        yield


def operation_cost(
    schema: GraphQLSchema,
    definitions: Any,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> int:
    """The cost of ``operation``: Σ over selected fields of the page sizes above them."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    defaults = {
        v.variable.name.value: value_from_ast_untyped(v.default_value)
        for v in operation.variable_definitions or ()
        if v.default_value is not None
    }
    walker = _CostWalker(schema, fragments, {**defaults, **variables})
    return walker.selections(operation.selection_set, root, 1, frozenset())


class _CostWalker:
    """Recursive walk of selection sets with the parent type and the current multiplier."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selections(
        self, selection_set: SelectionSetNode, parent: Any, multiplier: int, seen: frozenset[str]
    ) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, multiplier, seen)
            elif isinstance(node, InlineFragmentNode):
                target = (
                    self.schema.get_type(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                total += self.selections(node.selection_set, target, multiplier, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selections(
                        fragment.selection_set, target, multiplier, seen | {name}
                    )
        return total

    def field(self, node: FieldNode, parent: Any, multiplier: int, seen: frozenset[str]) -> int:
        definition = _field_definition(parent, node.name.value)
        if node.selection_set is None or definition is None:
            return multiplier
        size = self.page_size(node, definition)
        child = get_named_type(definition.type)
        return multiplier + self.selections(node.selection_set, child, multiplier * size, seen)

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        """The field's ``first`` (argument, variable or default); 1 for non-paged fields."""
        argument = definition.args.get(PAGE_ARGUMENT)
        if argument is None:
            return 1
        for given in node.arguments or ():
            if given.name.value != PAGE_ARGUMENT:
                continue
            if isinstance(given.value, IntValueNode):
                return max(0, int(given.value.value))
            if isinstance(given.value, VariableNode):
                value = self.variables.get(given.value.name.value)
                return max(0, value) if isinstance(value, int) else UNKNOWN_PAGE
            return UNKNOWN_PAGE
        default = argument.default_value
        return default if isinstance(default, int) and default > 0 else UNKNOWN_PAGE


def _field_definition(parent: Any, name: str) -> GraphQLField | None:
    """The definition of ``name`` on an object or interface type (None for __typename etc.)."""
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None  # unions have no fields of their own; __typename costs nothing extra
