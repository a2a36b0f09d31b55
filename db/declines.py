"""Declined (account, partner) pairs: a partner that declined an account is never offered it again.

A decline is recorded in the live row (``assignments.offer_status = 'DECLINED'``) and in
``offer_history``; either counts, for as long as the history is kept. Three places use it:
the loader forbids these pairs in every solve (a plan as much as a repair), ``createScenario``
/ ``updateScenario`` refuse a pin on such a pair, and ``publish`` refuses a result that would
offer an account to a partner that declined it after the result was solved.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.repositories._sql import Executor

DECLINED = """
SELECT account_id, partner_id FROM offer_history
 WHERE offer_status = 'DECLINED' AND account_id = any($1::bigint[])
UNION
SELECT account_id, partner_id FROM assignments
 WHERE offer_status = 'DECLINED' AND account_id = any($1::bigint[])
ORDER BY account_id, partner_id
"""


async def declined_pairs(ex: Executor, accounts: Sequence[int]) -> set[tuple[int, int]]:
    """The (account, partner) pairs among ``accounts`` whose partner declined the account."""
    if not accounts:
        return set()
    rows = await ex.fetch(DECLINED, list(accounts))
    return {(int(r["account_id"]), int(r["partner_id"])) for r in rows}
