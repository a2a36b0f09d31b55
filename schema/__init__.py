"""The GraphQL layer: ``schema`` is the one Strawberry schema of the service."""

from schema.schema import schema

__all__ = ["schema"]
