"""The ASGI GraphQL app over the one schema, with a typed per-request context."""

from __future__ import annotations

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from schema.context import Context
from schema.schema import schema
from schema.security.authentication import principal_in


class AllotGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app whose context carries the pool and fresh DataLoaders."""

    def __init__(self, pool: asyncpg.Pool, *, production: bool) -> None:
        super().__init__(schema, graphql_ide=None if production else "graphiql")
        self.pool = pool
        self.production = production

    def encode_json(self, data: object) -> str:
        """The response as JSON text, with orjson: the stdlib encoder took about 7 % of the
        CPU of a 2,300-field page (bench/RESULTS.md "API"). Text, not bytes, because the
        WebSocket transport sends bytes as binary frames; what orjson refuses (an int beyond
        64 bits in a JSON scalar) goes to the stdlib encoder as before."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return super().encode_json(data)  # type: ignore[return-value]

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        """A new context per request: loaders must not outlive it."""
        return Context(
            pool=self.pool,
            request=request,
            response=response if isinstance(response, Response) else None,
            production=self.production,
            principal=principal_in(request.scope),  # verified by api/guard.py
        )


def create_graphql_app(pool: asyncpg.Pool, *, production: bool) -> GraphQL[Context, None]:
    """The GraphQL app to mount; ``production`` turns GraphiQL and introspection off."""
    return AllotGraphQL(pool, production=production)
