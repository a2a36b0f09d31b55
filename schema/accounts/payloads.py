"""Account mutation payloads."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.accounts.types import Account
from schema.common.errors import ConflictError, NotFoundError, ValidationError


@strawberry.type(description="The account as written.")
class AccountSuccess:
    """The account as written."""

    account: Account


@strawberry.type(description="The released accounts, in the order asked.")
class ReleaseAccountsSuccess:
    """The released accounts, in the order asked."""

    accounts: list[Account]
    released_count: int


AccountPayload = Annotated[
    AccountSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AccountPayload"),
]
ReleaseAccountsPayload = Annotated[
    ReleaseAccountsSuccess | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ReleaseAccountsPayload"),
]
