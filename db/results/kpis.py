"""KPIs of solved scenarios, aggregated in SQL (GROUP BY, GROUPING SETS), never in Python loops.

The scope of a result is its assigned plus its unassigned accounts; coverage is measured on it.
Breakdowns count assigned accounts only: by the account's territory (code), the partner's track
and the partner's tier.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.repositories._sql import Executor
from db.results.models import Breakdown, Dimension, Kpis

HEADLINE = """
WITH scope AS (
    SELECT account_id, true AS assigned, expected_revenue_cents AS revenue
      FROM scenario_assignments WHERE scenario_id = $1
    UNION ALL
    SELECT account_id, false, 0 FROM scenario_unassigned WHERE scenario_id = $1
)
SELECT count(*) AS scope_accounts,
       count(*) FILTER (WHERE s.assigned) AS assigned_accounts,
       coalesce(sum(s.revenue), 0)::bigint AS revenue,
       coalesce(sum(a.total_whitespace), 0)::bigint AS scope_whitespace,
       coalesce(sum(a.total_whitespace) FILTER (WHERE s.assigned), 0)::bigint AS covered_whitespace,
       (SELECT coalesce(sum(load), 0)::float8 FROM scenario_partner_loads
         WHERE scenario_id = $1) AS partner_load,
       (SELECT coalesce(sum(capacity), 0)::float8 FROM scenario_partner_loads
         WHERE scenario_id = $1) AS partner_capacity,
       (SELECT coalesce(sum(load), 0)::float8 FROM scenario_specialist_loads
         WHERE scenario_id = $1) AS specialist_load,
       (SELECT coalesce(sum(capacity), 0)::float8 FROM scenario_specialist_loads
         WHERE scenario_id = $1) AS specialist_capacity
  FROM scope s JOIN accounts a ON a.id = s.account_id
"""

BREAKDOWN = """
SELECT sa.scenario_id,
       CASE WHEN grouping(t.code) = 0 THEN 'TERRITORY'
            WHEN grouping(p.track) = 0 THEN 'TRACK' ELSE 'TIER' END AS dimension,
       coalesce(t.code, p.track, p.tier) AS key,
       count(*) AS accounts,
       sum(sa.expected_revenue_cents)::bigint AS revenue,
       sum(a.total_whitespace)::bigint AS whitespace
  FROM scenario_assignments sa
  JOIN accounts a ON a.id = sa.account_id
  JOIN territories t ON t.id = a.territory_id
  JOIN partners p ON p.id = sa.partner_id
 WHERE sa.scenario_id = any($1::bigint[])
 GROUP BY GROUPING SETS ((sa.scenario_id, t.code), (sa.scenario_id, p.track),
                         (sa.scenario_id, p.tier))
 ORDER BY sa.scenario_id, dimension, key
"""


async def breakdowns(db: Executor, scenario_ids: Sequence[int]) -> dict[int, list[Breakdown]]:
    """Breakdowns by territory, track and tier of each scenario, in one query."""
    found: dict[int, list[Breakdown]] = {sid: [] for sid in scenario_ids}
    for r in await db.fetch(BREAKDOWN, list(scenario_ids)):
        found[r["scenario_id"]].append(
            Breakdown(
                Dimension(r["dimension"]),
                r["key"],
                r["accounts"],
                r["revenue"],
                r["whitespace"],
            )
        )
    return found


async def kpis(db: Executor, scenario_id: int) -> Kpis:
    """The headline KPIs and breakdowns of a scenario's result (zeros before a solve)."""
    r = await db.fetchrow(HEADLINE, scenario_id)
    assert r is not None  # an aggregate without GROUP BY always returns one row
    groups = (await breakdowns(db, [scenario_id]))[scenario_id]
    return Kpis(
        total_expected_revenue_cents=r["revenue"],
        scope_accounts=r["scope_accounts"],
        assigned_accounts=r["assigned_accounts"],
        scope_whitespace_cents=r["scope_whitespace"],
        covered_whitespace_cents=r["covered_whitespace"],
        partner_load=r["partner_load"],
        partner_capacity=r["partner_capacity"],
        specialist_load=r["specialist_load"],
        specialist_capacity=r["specialist_capacity"],
        breakdown=tuple(groups),
    )
