"""Schema extensions of our own: introspection switched off per request in production.

The schema is built once per process, so production mode cannot be a schema option; the
context says whether this request is served in production, and the rule is added then.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from schema.context import Context


class ProductionIntrospectionGate(SchemaExtension):
    """Reject ``__schema`` / ``__type`` queries when the context is in production mode."""

    def on_operation(self) -> Iterator[None]:
        """Add graphql-core's no-introspection rule for production requests."""
        context = self.execution_context.context
        if isinstance(context, Context) and context.production:
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        yield
