"""Repair: a REPAIR scenario that re-allocates the live accounts that lost their partner.

Scope: live assignments whose offer was DECLINED or EXPIRED, or whose partner is no longer
active (only those of one published scenario when an id is given). Everything else that is
live stays fixed, which the repair expresses as parameters of an ordinary scenario:

- partner capacities: the partner's capacity (or the parent's override) minus the workload of
  every other live assignment of that partner, as capacity overrides (never below 0);
- specialist capacities: likewise, minus the other live accounts the specialist works on;
- forbids: every (account, partner) pair that was declined (``offer_history`` or live rows);
- policy: the parent's tier floor and stickiness; pins and forbids of scope accounts kept
  unless a pin names a partner that declined or is no longer active. Track shares and the
  per-partner account cap are dropped: they are shares and counts of a whole allocation, not
  of a repair's few accounts.

The scenario is created and queued (``jobs.enqueue_solve``) in one transaction. Publishing it
later replaces only its scope's live rows (``db.publish``).
"""

from __future__ import annotations

from dataclasses import replace

from db.declines import declined_pairs
from db.errors import Invalid
from db.pool import AnyConnection
from db.scenarios import jobs, repository
from db.scenarios.models import (
    AccountPartner,
    CapacityOverride,
    NewScenario,
    Policy,
    Scenario,
    ScenarioKind,
    ScenarioParameters,
    ScenarioStatus,
    Scope,
    ScopeCoverage,
)

SCOPE = """
SELECT l.account_id FROM assignments l JOIN partners p ON p.id = l.partner_id
 WHERE (l.offer_status IN ('DECLINED', 'EXPIRED') OR NOT p.active)
   AND ($1::bigint IS NULL OR l.scenario_id = $1)
 ORDER BY l.account_id
"""
# Base capacity (override or stored) minus the load of the live rows outside the scope.
PARTNER_CAPACITIES = """
WITH base AS (
    SELECT p.id, coalesce(o.capacity, p.capacity) AS capacity
      FROM partners p
      LEFT JOIN unnest($2::bigint[], $3::bigint[]) AS o (id, capacity) ON o.id = p.id
), used AS (
    SELECT l.partner_id AS id, sum(a.workload) AS load
      FROM assignments l JOIN accounts a ON a.id = l.account_id
     WHERE l.account_id <> all($1::bigint[])
     GROUP BY l.partner_id
)
SELECT b.id, greatest(0, b.capacity - coalesce(u.load, 0))::int AS capacity
  FROM base b LEFT JOIN used u ON u.id = b.id
 WHERE u.id IS NOT NULL OR b.id = any($2::bigint[])
 ORDER BY b.id
"""
SPECIALIST_CAPACITIES = """
WITH base AS (
    SELECT s.id, coalesce(o.capacity, s.capacity) AS capacity
      FROM specialists s
      LEFT JOIN unnest($2::bigint[], $3::bigint[]) AS o (id, capacity) ON o.id = s.id
), used AS (
    SELECT sid AS id, count(*) AS load
      FROM assignments l CROSS JOIN LATERAL unnest(l.specialist_ids) AS sid
     WHERE l.account_id <> all($1::bigint[])
     GROUP BY sid
)
SELECT b.id, greatest(0, b.capacity - coalesce(u.load, 0))::int AS capacity
  FROM base b LEFT JOIN used u ON u.id = b.id
 WHERE u.id IS NOT NULL OR b.id = any($2::bigint[])
 ORDER BY b.id
"""


def _overrides(items: tuple[CapacityOverride, ...]) -> tuple[list[int], list[int]]:
    return [c.id for c in items], [c.capacity for c in items]


async def build_parameters(
    conn: AnyConnection, parent: Scenario | None, scope: list[int]
) -> ScenarioParameters:
    """The repair's parameters for ``scope`` (see the module docstring)."""
    base = parent.parameters if parent is not None else ScenarioParameters()
    rows = await conn.fetch(PARTNER_CAPACITIES, scope, *_overrides(base.partner_capacities))
    partners = tuple(CapacityOverride(r["id"], r["capacity"]) for r in rows)
    rows = await conn.fetch(SPECIALIST_CAPACITIES, scope, *_overrides(base.specialist_capacities))
    specialists = tuple(CapacityOverride(r["id"], r["capacity"]) for r in rows)
    declined = await declined_pairs(conn, scope)
    in_scope = set(scope)
    active = {
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM partners WHERE active AND id = any($1::bigint[])",
            [p.partner_id for p in base.policy.pins],
        )
    }
    pins = tuple(
        p
        for p in base.policy.pins
        if p.account_id in in_scope
        and p.partner_id in active
        and (p.account_id, p.partner_id) not in declined
    )
    kept = {(f.account_id, f.partner_id) for f in base.policy.forbids if f.account_id in in_scope}
    forbids = tuple(AccountPartner(a, p) for a, p in sorted(kept | declined))
    policy = Policy(
        must_cover=False,
        pins=pins,
        forbids=forbids,
        tier_floor=base.policy.tier_floor,
        stickiness=base.policy.stickiness,
    )
    return replace(
        base,
        scope=Scope(coverage=ScopeCoverage.ANY, account_ids=tuple(scope)),
        partner_capacities=partners,
        specialist_capacities=specialists,
        policy=policy,
    )


async def repair(
    conn: AnyConnection, published_scenario_id: int | None, created_by: str
) -> Scenario:
    """Create and queue a REPAIR scenario; ``Invalid`` when there is nothing to repair.

    ``published_scenario_id`` limits the scope to that scenario's live rows and becomes the
    parent; it must be PUBLISHED. None repairs every live row.
    """
    async with conn.transaction():
        parent = None
        if published_scenario_id is not None:
            parent = await repository.get(conn, published_scenario_id)
            if parent.status is not ScenarioStatus.PUBLISHED:
                raise Invalid(
                    "id",
                    "status_published",
                    f"scenario {parent.id} is {parent.status.value}: only the live accounts of "
                    "a PUBLISHED scenario can be repaired",
                )
        scope = [r["account_id"] for r in await conn.fetch(SCOPE, published_scenario_id)]
        if not scope:
            raise Invalid(
                "id",
                "nothing_to_repair",
                "no live account was declined, expired or lost its partner: nothing to repair",
            )
        parameters = await build_parameters(conn, parent, scope)
        name = f"Repair of {parent.name}" if parent is not None else "Repair of the live allocation"
        created = await repository.create(
            conn,
            NewScenario(
                name=name[:200],
                created_by=created_by,
                description=f"{len(scope)} declined, expired or orphaned accounts",
                parameters=parameters,
                kind=ScenarioKind.REPAIR,
                parent_id=parent.id if parent is not None else None,
            ),
        )
        await jobs.enqueue_solve(conn, created.id)
        return await repository.get(conn, created.id)
