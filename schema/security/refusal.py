"""Refusing an operation from an extension's ``on_operation`` as a validation error.

An exception raised in ``on_operation`` is answered on HTTP but escapes the WebSocket
(streaming) path. A refusal is therefore reported by a validation rule added for this one
operation, over a placeholder document: every transport answers validation errors alike.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, ValidationRule
from strawberry.types import ExecutionContext

PLACEHOLDER = "{ __typename }"


def refuse(execution_context: ExecutionContext, message: str, code: str) -> None:
    """Make this operation fail validation with ``message`` (extension ``code``)."""

    class Refusal(ValidationRule):
        def enter_operation_definition(self, *_args: Any) -> None:  # one in PLACEHOLDER
            self.report_error(GraphQLError(message, extensions={"code": code}))

    execution_context.query = PLACEHOLDER
    execution_context.validation_rules = (*execution_context.validation_rules, Refusal)
