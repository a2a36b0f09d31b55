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

T = TypeVar("T")


def _loader(
    pool: asyncpg.Pool, batch: Callable[[asyncpg.Pool, Sequence[int]], Awaitable[list[T]]]
) -> DataLoader[int, T]:
    async def load(keys: list[int]) -> list[T]:
        """Resolve ``load``."""
        return await batch(pool, keys)

    return DataLoader(load_fn=load)


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
    def product_lines(self) -> DataLoader[int, ProductLine | None]:
        """Product line by id."""
        return _loader(self.pool, product_lines.get_many)

    @cached_property
    def territories(self) -> DataLoader[int, Territory | None]:
        """Territory by id."""
        return _loader(self.pool, territories.get_many)

    @cached_property
    def partners(self) -> DataLoader[int, Partner | None]:
        """Partner by id."""
        return _loader(self.pool, partners.get_many)

    @cached_property
    def accounts(self) -> DataLoader[int, Account | None]:
        """Account by id."""
        return _loader(self.pool, accounts.get_many)

    @cached_property
    def specialists(self) -> DataLoader[int, Specialist | None]:
        """Specialist by id."""
        return _loader(self.pool, specialists.get_many)

    @cached_property
    def partner_territories(self) -> DataLoader[int, list[Territory]]:
        """Territories a partner serves, by partner id."""
        return _loader(self.pool, territories.for_partners)

    @cached_property
    def partner_competencies(self) -> DataLoader[int, list[tuple[PartnerCompetency, ProductLine]]]:
        """Competencies of a partner with their product lines (one join), by partner id.

        The line comes with each item in the same batch rather than through one async
        resolver per item: a page has hundreds of them, and per-item resolvers dominated the
        response time (bench/RESULTS.md "API").
        """
        return _loader(self.pool, partners.competencies_with_lines_for)

    @cached_property
    def account_wallets(self) -> DataLoader[int, list[tuple[Wallet, ProductLine]]]:
        """Wallets of an account with their product lines (one join), by account id."""
        return _loader(self.pool, accounts.wallets_with_lines_for)

    @cached_property
    def eligible_partners(self) -> DataLoader[int, list[Partner]]:
        """Active partners serving a territory, by territory id."""
        return _loader(self.pool, partners.eligible_for_territories)
