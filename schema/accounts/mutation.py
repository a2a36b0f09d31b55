"""Account mutations: thin wrappers from inputs to the repository and back to payloads."""

from __future__ import annotations

import strawberry

from db import models
from db.repositories import accounts
from schema.accounts.inputs import CreateAccountInput, SetAccountWalletInput, UpdateAccountInput
from schema.accounts.payloads import (
    AccountPayload,
    AccountSuccess,
    ReleaseAccountsPayload,
    ReleaseAccountsSuccess,
)
from schema.accounts.types import Account
from schema.common.errors import attempt, prefixed
from schema.common.ids import decode_id
from schema.context import Info


def _success(account: models.Account) -> AccountSuccess:
    return AccountSuccess(account=Account.from_domain(account))


@strawberry.type
class AccountMutation:
    """Write fields of the Account feature; each returns a union payload."""

    @strawberry.mutation(description="Create an account (external refs are unique).")
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        """Create an account (external refs are unique)."""

        async def work() -> AccountSuccess:
            with prefixed("input"):
                return _success(await accounts.create(info.context.pool, input.to_domain()))

        return await attempt(work)

    @strawberry.mutation(description="Change an account's fields.")
    async def update_account(
        self, info: Info, id: strawberry.ID, input: UpdateAccountInput
    ) -> AccountPayload:
        """Change an account's fields."""

        async def work() -> AccountSuccess:
            account_id = decode_id(id, "Account")
            with prefixed("input"):
                patch = input.to_domain()
                return _success(await accounts.update(info.context.pool, account_id, patch))

        return await attempt(work)

    @strawberry.mutation(description="Set an account's wallet and spend for one product line.")
    async def set_account_wallet(self, info: Info, input: SetAccountWalletInput) -> AccountPayload:
        """Set an account's wallet and spend for one product line."""

        async def work() -> AccountSuccess:
            with prefixed("input"):
                return _success(await accounts.set_wallet(info.context.pool, input.to_domain()))

        return await attempt(work)

    @strawberry.mutation(
        description="Release NAMED accounts to the channel (UNNAMED), all or nothing."
    )
    async def release_accounts(
        self, info: Info, ids: list[strawberry.ID]
    ) -> ReleaseAccountsPayload:
        """Release NAMED accounts to the channel (UNNAMED), all or nothing."""

        async def work() -> ReleaseAccountsSuccess:
            db_ids = [decode_id(a, "Account", f"ids.{i}") for i, a in enumerate(ids)]
            released = await accounts.release(info.context.pool, db_ids)
            return ReleaseAccountsSuccess(
                accounts=[Account.from_domain(a) for a in released],
                released_count=len(released),
            )

        return await attempt(work)
