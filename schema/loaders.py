"""Per-request DataLoaders: each batches one repository lookup (``= any($1)``) per tick.

Built lazily per request (a loader caches, so one shared across requests would serve stale
rows); every batch borrows its own pooled connection, so loaders run concurrently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, TypeVar, cast

import asyncpg
from strawberry.dataloader import DataLoader

from db.models import (
    Account,
    Partner,
    PartnerCompetency,
    ProductLine,
    Specialist,
    Territory,
    Wallet,
)
from db.repositories import accounts, partners, product_lines, specialists, territories
from db.repositories._sql import Executor

T = TypeVar("T")


class RepositoryLoader(DataLoader[int, T]):
    """A DataLoader over one repository batch, ``batch(executor, keys)`` (``= any($1)``).

    The batch is kept (``fetch``) so that a page can run the same lookup on the connection it
    already holds and prime the loader with the answer (``schema.common.prefetch.Prefetch.on``):
    the loader and the prefetch cannot disagree on what a key loads.
    """

    def __init__(
        self, pool: asyncpg.Pool, batch: Callable[[Executor, Sequence[int]], Awaitable[list[T]]]
    ) -> None:
        self.fetch = batch

        async def load(keys: list[int]) -> list[T]:
            """Resolve ``load``."""
            return await batch(pool, keys)

        super().__init__(load_fn=load)


class Dataloaders:
    """The loaders of one request, each created on first use."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._grouped: dict[Hashable, DataLoader[int, Any]] = {}

    def grouped(
        self, key: Hashable, batch: Callable[[Sequence[int]], Awaitable[list[T]]]
    ) -> DataLoader[int, T]:
        """The loader for ``key`` (e.g. "accounts of a territory with this filter and page
        size"), made on first use: nested connections of many parents share one batch."""
        loader = self._grouped.get(key)
        if loader is None:

            async def load(keys: list[int]) -> list[T]:
                """Resolve ``load``."""
                return await batch(keys)

            loader = DataLoader(load_fn=load)
            self._grouped[key] = loader
        return cast(DataLoader[int, T], loader)

    @cached_property
    def product_lines(self) -> RepositoryLoader[ProductLine | None]:
        """Product line by id."""
        return RepositoryLoader(self.pool, product_lines.get_many)

    @cached_property
    def territories(self) -> RepositoryLoader[Territory | None]:
        """Territory by id."""
        return RepositoryLoader(self.pool, territories.get_many)

    @cached_property
    def partners(self) -> RepositoryLoader[Partner | None]:
        """Partner by id."""
        return RepositoryLoader(self.pool, partners.get_many)

    @cached_property
    def accounts(self) -> RepositoryLoader[Account | None]:
        """Account by id."""
        return RepositoryLoader(self.pool, accounts.get_many)

    @cached_property
    def specialists(self) -> RepositoryLoader[Specialist | None]:
        """Specialist by id."""
        return RepositoryLoader(self.pool, specialists.get_many)

    @cached_property
    def partner_territories(self) -> RepositoryLoader[list[Territory]]:
        """Territories a partner serves, by partner id."""
        return RepositoryLoader(self.pool, territories.for_partners)

    @cached_property
    def partner_competencies(self) -> RepositoryLoader[list[tuple[PartnerCompetency, ProductLine]]]:
        """Competencies of a partner with their product lines (one join), by partner id.

        The line comes with each item in the same batch rather than through one async
        resolver per item: a page has hundreds of them, and per-item resolvers dominated the
        response time (bench/RESULTS.md "API").
        """
        return RepositoryLoader(self.pool, partners.competencies_with_lines_for)

    @cached_property
    def account_wallets(self) -> RepositoryLoader[list[tuple[Wallet, ProductLine]]]:
        """Wallets of an account with their product lines (one join), by account id."""
        return RepositoryLoader(self.pool, accounts.wallets_with_lines_for)

    @cached_property
    def eligible_partners(self) -> RepositoryLoader[list[Partner]]:
        """Active partners serving a territory, by territory id."""
        return RepositoryLoader(self.pool, partners.eligible_for_territories)
