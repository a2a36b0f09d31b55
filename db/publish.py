"""Publish a solved scenario: make its allocation live for the accounts in its scope.

One transaction, in this order:

1. ``pg_try_advisory_xact_lock(PUBLISH_LOCK)``: one publish at a time. A publish that finds
   the lock taken fails at once with ``Conflict`` (the planner retries and sees the new live
   state) instead of queueing behind the other, so two overlapping publishes never interleave
   and the live table is never a mix of two scenarios.
2. The scenario row ``FOR UPDATE``; only SOLVED with solver status OPTIMAL or FEASIBLE may be
   published (``Invalid`` otherwise). PUBLISHED already: nothing to do (publishing twice is
   harmless and writes no history).
3. The live rows of the scope (assigned plus unassigned accounts of the result) ``FOR UPDATE``
   so that a partner's accept/decline in flight waits for us. Then a result that offers an
   account to a partner that declined it (``db.declines``) is refused (``Invalid`` rule
   ``declined_partner``): a partner is never offered again an account it declined. Solves
   forbid those pairs, so only a decline after the solve leads here.
4. Each live row of the scope that is not kept is recorded in ``offer_history`` as SUPERSEDED;
   a row is *kept* when the new partner is the same and its offer is still OFFERED or ACCEPTED
   (its status and times stay: re-publishing a variant does not undo an acceptance).
5. Live rows of accounts the result leaves unassigned are deleted; every assigned account is
   upserted with partner, specialists, expected revenue and scenario; new offers are OFFERED
   and recorded in ``offer_history``.
6. Previously published scenarios that no longer own any live row become ARCHIVED; one that
   still owns live rows (its other accounts were outside this scope) stays PUBLISHED.
7. The scenario becomes PUBLISHED (a ``scenario_transitions`` row, through the pipeline's
   ``repository.transition``).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import Conflict, Invalid
from db.pool import AnyConnection
from db.scenarios import repository
from db.scenarios.models import ScenarioStatus

PUBLISH_LOCK = 0x616C6C6F74_10  # "allot" + 0x10: publishes (migrations use + 1, seeds + 2)
FEASIBLE = frozenset({"OPTIMAL", "FEASIBLE"})

TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1::bigint)"
LOCK_LIVE = """
SELECT coalesce(array_agg(DISTINCT locked.scenario_id), '{}') FROM (
    SELECT l.scenario_id FROM assignments l
     WHERE l.account_id IN (SELECT account_id FROM scenario_assignments WHERE scenario_id = $1
                            UNION ALL
                            SELECT account_id FROM scenario_unassigned WHERE scenario_id = $1)
     ORDER BY l.account_id
       FOR UPDATE OF l
) AS locked
"""
# A live row of the scope is kept when the new partner is the same and the offer still stands.
SUPERSEDE = """
INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status, reason)
SELECT l.account_id, l.partner_id, l.scenario_id, 'SUPERSEDED',
       format('%s offer superseded by scenario %s', l.offer_status, $1::bigint)
  FROM assignments l
  LEFT JOIN scenario_assignments sa ON sa.scenario_id = $1 AND sa.account_id = l.account_id
 WHERE l.scenario_id <> $1
   AND (sa.account_id IS NOT NULL OR EXISTS (
            SELECT 1 FROM scenario_unassigned u
             WHERE u.scenario_id = $1 AND u.account_id = l.account_id))
   AND NOT (sa.partner_id IS NOT NULL AND sa.partner_id = l.partner_id
            AND l.offer_status IN ('OFFERED', 'ACCEPTED'))
"""
NEW_OFFERS = """
INSERT INTO offer_history (account_id, partner_id, scenario_id, offer_status)
SELECT sa.account_id, sa.partner_id, $1, 'OFFERED'
  FROM scenario_assignments sa
  LEFT JOIN assignments l ON l.account_id = sa.account_id
 WHERE sa.scenario_id = $1
   AND (l.account_id IS NULL OR l.partner_id <> sa.partner_id
        OR l.offer_status NOT IN ('OFFERED', 'ACCEPTED'))
"""
REMOVE = """
DELETE FROM assignments l USING scenario_unassigned u
 WHERE u.scenario_id = $1 AND u.account_id = l.account_id
"""
UPSERT = """
INSERT INTO assignments AS l
       (account_id, partner_id, specialist_ids, scenario_id, expected_revenue_cents)
SELECT account_id, partner_id, specialist_ids, scenario_id, expected_revenue_cents
  FROM scenario_assignments WHERE scenario_id = $1
    ON CONFLICT (account_id) DO UPDATE SET
       partner_id = excluded.partner_id,
       specialist_ids = excluded.specialist_ids,
       scenario_id = excluded.scenario_id,
       expected_revenue_cents = excluded.expected_revenue_cents,
       offer_status = CASE WHEN l.partner_id = excluded.partner_id
                            AND l.offer_status IN ('OFFERED', 'ACCEPTED')
                           THEN l.offer_status ELSE 'OFFERED' END,
       offered_at = CASE WHEN l.partner_id = excluded.partner_id
                          AND l.offer_status IN ('OFFERED', 'ACCEPTED')
                         THEN l.offered_at ELSE now() END,
       responded_at = CASE WHEN l.partner_id = excluded.partner_id
                            AND l.offer_status IN ('OFFERED', 'ACCEPTED')
                           THEN l.responded_at END,
       reason = CASE WHEN l.partner_id = excluded.partner_id
                      AND l.offer_status IN ('OFFERED', 'ACCEPTED')
                     THEN l.reason END,
       updated_at = now()
"""
INACTIVE = """
SELECT min(p.id) FROM scenario_assignments sa JOIN partners p ON p.id = sa.partner_id
 WHERE sa.scenario_id = $1 AND NOT p.active
"""
# An account offered to a partner that declined it (live row or history): the scenario was
# solved before the decline (the loader forbids declined pairs in every solve).
REOFFER = """
SELECT sa.account_id, sa.partner_id FROM scenario_assignments sa
 WHERE sa.scenario_id = $1
   AND (EXISTS (SELECT 1 FROM offer_history h
                 WHERE h.account_id = sa.account_id AND h.partner_id = sa.partner_id
                   AND h.offer_status = 'DECLINED')
        OR EXISTS (SELECT 1 FROM assignments l
                    WHERE l.account_id = sa.account_id AND l.partner_id = sa.partner_id
                      AND l.offer_status = 'DECLINED'))
 ORDER BY sa.account_id LIMIT 1
"""
ORPHANED = """
SELECT s.id FROM scenarios s
 WHERE s.id = any($1::bigint[]) AND s.status = 'PUBLISHED'
   AND NOT EXISTS (SELECT 1 FROM assignments l WHERE l.scenario_id = s.id)
 ORDER BY s.id
"""


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What a publish changed in the live allocation."""

    scenario_id: int
    offered: int  # new offers (new account, new partner, or a declined/expired offer renewed)
    kept: int  # same partner, offer still standing: moved to this scenario, status kept
    superseded: int  # live offers of other scenarios replaced (offer_history SUPERSEDED rows)
    removed: int  # live rows deleted because the result leaves the account unassigned
    archived_scenario_ids: tuple[int, ...]
    already_published: bool = False


def _count(status: str) -> int:
    """Rows affected, from asyncpg's command tag (``INSERT 0 12``, ``DELETE 3``)."""
    return int(status.rsplit(" ", 1)[-1])


async def publish(conn: AnyConnection, scenario_id: int) -> PublishOutcome:
    """Publish ``scenario_id`` in one transaction (a savepoint when ``conn`` is in one).

    ``NotFound`` for an unknown id, ``Invalid`` when it is not SOLVED with a feasible result,
    ``Conflict`` when another publish holds the lock.
    """
    async with conn.transaction():
        if not await conn.fetchval(TRY_LOCK, PUBLISH_LOCK):
            raise Conflict(
                "another scenario is being published right now; nothing was changed, "
                "try again to publish on top of it",
                "id",
            )
        await conn.execute("SELECT 1 FROM scenarios WHERE id = $1 FOR UPDATE", scenario_id)
        scenario = await repository.get(conn, scenario_id)
        if scenario.status is ScenarioStatus.PUBLISHED:
            return PublishOutcome(scenario_id, 0, 0, 0, 0, (), already_published=True)
        if scenario.status is not ScenarioStatus.SOLVED:
            raise Invalid(
                "id",
                "status_solved",
                f"scenario {scenario_id} is {scenario.status.value}: "
                "only a SOLVED scenario can be published",
            )
        if scenario.solver_status not in FEASIBLE:
            raise Invalid(
                "id",
                "feasible_result",
                f"scenario {scenario_id} has no feasible result "
                f"(solver status {scenario.solver_status}): it cannot be published",
            )
        inactive = await conn.fetchval(INACTIVE, scenario_id)
        if inactive is not None:
            raise Invalid(
                "id",
                "active_partners",
                f"scenario {scenario_id} assigns accounts to partner {inactive}, which is no "
                "longer active: solve it again before publishing",
            )
        owners: list[int] = await conn.fetchval(LOCK_LIVE, scenario_id)
        reoffer = await conn.fetchrow(REOFFER, scenario_id)
        if reoffer is not None:
            raise Invalid(
                "id",
                "declined_partner",
                f"scenario {scenario_id} offers account {reoffer['account_id']} to partner "
                f"{reoffer['partner_id']}, which declined it after the scenario was solved: "
                "solve it again (declined pairs are forbidden in every solve) before publishing",
            )
        previous = sorted(set(owners) - {scenario_id})
        superseded = _count(await conn.execute(SUPERSEDE, scenario_id))
        offered = _count(await conn.execute(NEW_OFFERS, scenario_id))
        removed = _count(await conn.execute(REMOVE, scenario_id))
        upserted = _count(await conn.execute(UPSERT, scenario_id))
        archived = tuple(r["id"] for r in await conn.fetch(ORPHANED, previous))
        for old in archived:
            await repository.transition(
                conn, old, ScenarioStatus.ARCHIVED, f"superseded by scenario {scenario_id}"
            )
        await repository.transition(
            conn,
            scenario_id,
            ScenarioStatus.PUBLISHED,
            f"published: {offered} offered, {upserted - offered} kept, "
            f"{superseded} superseded, {removed} removed",
        )
        return PublishOutcome(
            scenario_id, offered, upserted - offered, superseded, removed, archived
        )
