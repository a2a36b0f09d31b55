"""Per-request DataLoaders: each batches one repository lookup (``= any($1)``) per tick.

Built lazily per request (a loader caches, so one shared across requests would serve stale
rows); every batch borrows its own pooled connection, so loaders run concurrently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar

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
        return await batch(pool, keys)

    return DataLoader(load_fn=load)


class Dataloaders:
    """The loaders of one request, each created on first use."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

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
    def partner_competencies(self) -> DataLoader[int, list[PartnerCompetency]]:
        """Competencies of a partner, by partner id."""
        return _loader(self.pool, partners.competencies_for)

    @cached_property
    def account_wallets(self) -> DataLoader[int, list[Wallet]]:
        """Wallets of an account, by account id."""
        return _loader(self.pool, accounts.wallets_for)

    @cached_property
    def eligible_partners(self) -> DataLoader[int, list[Partner]]:
        """Active partners serving a territory, by territory id."""
        return _loader(self.pool, partners.eligible_for_territories)
