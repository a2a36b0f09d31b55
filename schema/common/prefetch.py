"""Resolve related objects without an async hop when the page already loaded them.

An async resolver costs graphql-core about 0.1 ms (coroutine, awaitable completion, gather of
the list items) even when its DataLoader answers from cache; on a page of 50 accounts with
territory, incumbent and wallets that was most of the response time. So a connection resolver
loads the relations its selection asks for, in one batch per relation (the statements a
DataLoader would run anyway), and the related-object resolvers are plain functions that return
the loaded value at once. When nothing was prefetched (a single ``account(id:)``), they return
the DataLoader's awaitable instead, which graphql-core awaits like any async resolver's result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info

K = TypeVar("K", bound=Hashable)
D = TypeVar("D")
R = TypeVar("R")


def now_or_later(loader: DataLoader[K, D], key: K, convert: Callable[[D], R]) -> R:
    """``convert(value)`` now if ``loader`` holds the value for ``key``, else an awaitable of it.

    Typed as ``R`` because GraphQL resolvers may return an awaitable in its place.
    """
    future = loader.cache_map.get(key)
    ready = future is not None and future.done() and not future.cancelled()
    if ready and future is not None and future.exception() is None:
        return convert(future.result())

    async def later() -> R:
        return convert(await loader.load(key))

    return cast(R, later())


def node_fields(info: Info) -> set[str]:
    """Names selected under ``edges { node { ... } }`` of the connection being resolved."""
    names: set[str] = set()

    def walk(selections: Iterable[Selection], path: tuple[str, ...]) -> None:
        for selection in selections:
            if not isinstance(selection, SelectedField):
                walk(selection.selections, path)  # inline fragment or fragment spread
            elif not path:
                names.add(selection.name)
            elif selection.name == path[0]:
                walk(selection.selections, path[1:])

    for field in info.selected_fields:
        walk(field.selections, ("edges", "node"))
    return names


def distinct(keys: Iterable[Any]) -> list[Any]:
    """Keys without duplicates or None, in first-seen order (for ``load_many``)."""
    return list(dict.fromkeys(k for k in keys if k is not None))
