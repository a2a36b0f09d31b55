"""The relay ``Node`` interface: every entity with a global ``id`` implements it."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    """An object with a global ID, fetchable with `node(id:)`."""

    id: strawberry.ID = strawberry.field(description="Global ID (opaque).")
