"""Resolve related objects without an async hop when the page already loaded them.

An async resolver costs graphql-core about 0.1 ms (coroutine, awaitable completion, gather of
the list items) even when its DataLoader answers from cache; on a page of 50 accounts with
territory, incumbent and wallets that was most of the response time. So a connection resolver
loads the relations its selection asks for, in one batch per relation (the statements a
DataLoader would run anyway), and the related-object resolvers are plain functions that return
the loaded value at once. When nothing was prefetched (a single ``account(id:)``), they return
the DataLoader's awaitable instead, which graphql-core awaits like any async resolver's result.

A root connection runs its page query and these batches on one pooled connection, one after
the other, as a hand-written endpoint would (``Prefetch.on``), and puts the answers in the
request's DataLoaders: each pooled statement borrowed separately costs a connection reset round
trip and a batch task, about a third of the socket writes of a page (bench/RESULTS.md "API"). A
nested connection (one per parent) keeps the DataLoaders (``Prefetch.through_loaders``), which
batch it across its parents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField, Selection

from db.repositories._sql import Executor
from schema.context import Info
from schema.loaders import RepositoryLoader

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
    return selected_under(info, ("edges", "node"))


def edge_cursors_selected(info: Info) -> bool:
    """Whether ``edges { cursor }`` is selected (any alias, fragments included; a field under
    ``@skip``/``@include`` counts as selected): the connection makes the edges' cursors only
    then (``connection(cursors=...)``), not ``first`` of them for nothing."""
    return "cursor" in selected_under(info, ("edges",))


def selected_under(info: Info, path: tuple[str, ...]) -> set[str]:
    """Names selected at ``path`` below the field being resolved (a superset: fields under
    ``@skip``/``@include`` count too)."""
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
        walk(field.selections, path)
    return names


def distinct(keys: Iterable[Any]) -> list[Any]:
    """Keys without duplicates or None, in first-seen order (for ``load_many``)."""
    return list(dict.fromkeys(k for k in keys if k is not None))


class Prefetch:
    """The relation batches a page needs: each a loader and the keys to load into it."""

    def __init__(self) -> None:
        self.jobs: list[tuple[RepositoryLoader[Any], list[int]]] = []

    def add(self, loader: RepositoryLoader[D], keys: Iterable[int | None]) -> None:
        """Load ``keys`` (duplicates and None dropped) into ``loader``."""
        self.jobs.append((loader, distinct(keys)))

    async def on(self, conn: Executor) -> None:
        """Run the loaders' batches on ``conn`` one after the other, for the keys each loader
        does not hold or await yet, and put the values in the loaders' caches."""
        for loader, keys in self.jobs:
            cache = loader.cache_map
            missing = [key for key in keys if cache.get(key) is None]
            if missing:
                values = await loader.fetch(conn, missing)
                loader.prime_many(dict(zip(missing, values, strict=True)))

    async def through_loaders(self) -> None:
        """Load the keys through the loaders, concurrently (they batch across parents)."""
        await asyncio.gather(*(loader.load_many(keys) for loader, keys in self.jobs))
