"""Client errors: top-level GraphQL errors for bad arguments, union payloads for mutations.

Expected failures of a mutation come back as data (``ValidationError``, ``NotFoundError``,
``ConflictError``) so that clients can switch on ``__typename``. Bad query arguments (a malformed
cursor or ID, ``first`` out of range) raise ``UserInputError``, a GraphQL error that the error
mask lets through; anything else is masked as an unexpected error.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from db.errors import Conflict, DomainError, Invalid, NotFound
from schema.common.ids import encode_id

S = TypeVar("S")


class UserInputError(GraphQLError):
    """A bad argument: the message names the argument and the rule it breaks."""

    def __init__(self, message: str, *, argument: str, rule: str) -> None:
        super().__init__(
            message, extensions={"code": "BAD_USER_INPUT", "argument": argument, "rule": rule}
        )


def is_unexpected(error: GraphQLError) -> bool:
    """Error-mask predicate: hide raw Python exceptions, show every GraphQL error.

    GraphQL errors (syntax, validation, unknown enum values, coercion, ``UserInputError``) are
    the client's to read; an exception that is not a GraphQLError is a bug and is masked.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


_CAMEL = re.compile(r"_([a-z0-9])")


def field_path(field: str, prefix: str = "") -> str:
    """``competencies.2.attach_rate`` -> ``input.competencies.2.attachRate`` (GraphQL names)."""
    camel = _CAMEL.sub(lambda m: m.group(1).upper(), field)
    return f"{prefix}.{camel}" if prefix else camel


def field_message(message: str, field: str, path: str) -> str:
    """The message with its leading database field name (``competency.min_rate must ...``)
    replaced by the GraphQL path the client sent (``filter.competency.minRate must ...``)."""
    return path + message[len(field) :] if message.startswith(field) else message


@strawberry.type(description="An input field breaks a rule; nothing was written.")
class ValidationError:
    """An input field breaks a rule; nothing was written."""

    field: str = strawberry.field(description="Path of the field, e.g. `input.capacity`.")
    rule: str = strawberry.field(description="The rule, e.g. `required`, `rate_0_1`, `exists`.")
    message: str


@strawberry.type(description="The object the mutation refers to does not exist.")
class NotFoundError:
    """The object the mutation refers to does not exist."""

    entity: str
    id: strawberry.ID
    message: str


@strawberry.type(description="The write contradicts the current data (e.g. a duplicate name).")
class ConflictError:
    """The write contradicts the current data (e.g. a duplicate name)."""

    field: str
    message: str


ErrorPayload = ValidationError | NotFoundError | ConflictError


def error_payload(error: DomainError, prefix: str = "") -> ErrorPayload:
    """The union member that reports ``error``; field names rendered as GraphQL paths."""
    if isinstance(error, Invalid):
        path = field_path(error.field, prefix)
        message = field_message(error.message, error.field, path)
        return ValidationError(field=path, rule=error.rule, message=message)
    if isinstance(error, NotFound):
        return NotFoundError(
            entity=error.entity,
            id=strawberry.ID(encode_id(error.entity, error.id)),
            message=error.message,
        )
    if isinstance(error, Conflict):
        path = field_path(error.field, prefix)
        return ConflictError(field=path, message=field_message(error.message, error.field, path))
    raise TypeError(f"unhandled domain error {type(error).__name__}")  # pragma: no cover


@contextmanager
def as_user_input(prefix: str = "") -> Iterator[None]:
    """Turn a domain ``Invalid`` raised while reading query arguments into a UserInputError."""
    try:
        yield
    except Invalid as exc:
        path = field_path(exc.field, prefix)
        message = field_message(exc.message, exc.field, path)
        raise UserInputError(
            f"Invalid argument {path}: {message}", argument=path, rule=exc.rule
        ) from exc


@contextmanager
def prefixed(prefix: str) -> Iterator[None]:
    """Re-raise ``Invalid``/``Conflict`` with the field under ``prefix`` (``input.name``)."""
    try:
        yield
    except Invalid as exc:
        raise Invalid(f"{prefix}.{exc.field}", exc.rule, exc.message) from exc
    except Conflict as exc:
        raise Conflict(exc.message, f"{prefix}.{exc.field}") from exc


async def attempt(work: Callable[[], Awaitable[S]]) -> S | ErrorPayload:
    """Run a mutation's work; an expected failure becomes its error payload, nothing else."""
    try:
        return await work()
    except DomainError as exc:
        return error_payload(exc)
