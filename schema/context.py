"""The typed per-request context: the pool and the request's lazily built DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import asyncpg
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from db.principal import Principal
from schema.loaders import Dataloaders


@dataclass
class Context:
    """What resolvers get as ``info.context``; one per request (per connection on WebSocket)."""

    pool: asyncpg.Pool
    request: Request | WebSocket | None = None
    response: Response | None = None
    production: bool = False
    principal: Principal | None = None  # who is asking (api/graphql_auth.py sets it)
    connection_params: dict[str, object] | None = None  # WebSocket connection_init payload
    loaders: Dataloaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Dataloaders(self.pool)


Info: TypeAlias = strawberry.Info[Context, None]
"""Resolver info type with our context."""
