"""Custom scalars. ``Cents``: money in integer cents, serialised as a decimal string.

GraphQL ``Int`` is 32-bit (at most 21,474,836.47 in cents), too small for wallets; a JSON number
above 2**53 also loses precision in JavaScript. So money goes over the wire as a string of
digits ("123456789012"); as input, a string of digits or an Int is accepted.
"""

from __future__ import annotations

from typing import NewType

import strawberry
from graphql import GraphQLError, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

Cents = NewType("Cents", int)

MAX_CENTS = 2**63 - 1


def _parse(value: object) -> Cents:
    if isinstance(value, bool):
        raise GraphQLError('Cents must be a string of digits, e.g. "12345"')
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.lstrip("-").isdigit() and value.isascii():
        number = int(value)
    else:
        raise GraphQLError('Cents must be a string of digits, e.g. "12345"')
    if abs(number) > MAX_CENTS:
        raise GraphQLError("Cents must fit in 64 bits")
    return Cents(number)


def _parse_literal(node: ValueNode, _variables: object = None) -> Cents:
    if isinstance(node, StringValueNode | IntValueNode):
        return _parse(node.value)
    raise GraphQLError('Cents must be a string of digits, e.g. "12345"')


CENTS: ScalarDefinition = strawberry.scalar(
    name="Cents",
    description="Money in integer cents, as a string of digits (64-bit safe).",
    serialize=str,
    parse_value=_parse,
    parse_literal=_parse_literal,
)

SCALARS: dict[object, ScalarDefinition] = {Cents: CENTS}
"""The schema's ``scalar_map``."""
