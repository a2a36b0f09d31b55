"""A tiny hand-made channel and hand-written results, so that KPIs can be derived by hand.

Channel (one product line PCS; whitespace = wallet, nothing spent):

    account  territory  workload  whitespace      partner  track     tier      capacity
    A1       NORTH      1         1,000           P1       VOLUME    SILVER    10
    A2       NORTH      2         2,000           P2       VALUE     GOLD      10
    A3       NORTH      3         3,000           P3       ALLIANCE  PLATINUM  5
    A4       SOUTH      1         4,000
    A5       SOUTH      2         5,000           specialist S1: NORTH, PCS, capacity 3

Result rows are inserted directly with SQL (what the pipeline's store writes), so the reading,
publishing and repair code is tested against real PostgreSQL without running a solve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.pool import AnyConnection


@dataclass(frozen=True)
class Tiny:
    """Database ids of the tiny channel, by the names above."""

    territory: dict[str, int]
    partner: dict[str, int]
    account: dict[str, int]
    specialist: dict[str, int]


async def make_tiny(conn: AnyConnection) -> Tiny:
    """Insert the tiny channel into an empty migrated database."""
    pl = await conn.fetchval(
        "INSERT INTO product_lines (code, name, business_unit) VALUES ('PCS', 'PCs', 'PSG') "
        "RETURNING id"
    )
    territory = {
        code: await conn.fetchval(
            "INSERT INTO territories (code, name, region) VALUES ($1, $1, 'EU') RETURNING id", code
        )
        for code in ("NORTH", "SOUTH")
    }
    partner = {}
    for name, track, tier, cap in (
        ("P1", "VOLUME", "SILVER", 10),
        ("P2", "VALUE", "GOLD", 10),
        ("P3", "ALLIANCE", "PLATINUM", 5),
    ):
        partner[name] = await conn.fetchval(
            "INSERT INTO partners (name, track, tier, capacity) VALUES ($1, $2, $3, $4) "
            "RETURNING id",
            name,
            track,
            tier,
            cap,
        )
        for t in territory.values():
            await conn.execute("INSERT INTO partner_territories VALUES ($1, $2)", partner[name], t)
        await conn.execute(
            "INSERT INTO partner_competencies VALUES ($1, $2, 0.1)", partner[name], pl
        )
    account = {}
    for i, (t, workload) in enumerate(
        (("NORTH", 1), ("NORTH", 2), ("NORTH", 3), ("SOUTH", 1), ("SOUTH", 2)), start=1
    ):
        account[f"A{i}"] = aid = await conn.fetchval(
            "INSERT INTO accounts (external_ref, name, territory_id, segment, workload, coverage)"
            " VALUES ($1, $1, $2, 'SMB', $3, 'UNNAMED') RETURNING id",
            f"A{i}",
            territory[t],
            workload,
        )
        await conn.execute(
            "INSERT INTO account_wallets (account_id, product_line_id, wallet_cents, spend_cents)"
            " VALUES ($1, $2, $3, 0)",
            aid,
            pl,
            1000 * i,
        )
    specialist = {
        "S1": await conn.fetchval(
            "INSERT INTO specialists (name, territory_id, product_line_id, capacity, lift) "
            "VALUES ('S1', $1, $2, 3, 0.2) RETURNING id",
            territory["NORTH"],
            pl,
        )
    }
    return Tiny(territory, partner, account, specialist)


Assigned = tuple[str, str, int] | tuple[str, str, int, Sequence[str]]
"""(account, partner, expected revenue cents[, specialists])."""


# Result A: 4 of 5 accounts assigned, A5 left out for capacity.
RESULT_A: list[Assigned] = [
    ("A1", "P1", 100),
    ("A2", "P1", 200, ["S1"]),
    ("A3", "P2", 300),
    ("A4", "P3", 400),
]
UNASSIGNED_A = [("A5", "CAPACITY")]
# Result B: A1 moves P1 -> P2, A3 drops out, A5 comes in with P3.
RESULT_B: list[Assigned] = [
    ("A1", "P2", 150),
    ("A2", "P1", 200),
    ("A4", "P3", 400),
    ("A5", "P3", 500),
]
UNASSIGNED_B = [("A3", "NOT_WORTH_IT")]


async def add_result(
    conn: AnyConnection,
    tiny: Tiny,
    assigned: Sequence[Assigned],
    unassigned: Sequence[tuple[str, str]] = (),
    *,
    status: str = "SOLVED",
    solver_status: str | None = "OPTIMAL",
    kind: str = "PLAN",
    name: str = "scenario",
) -> int:
    """Insert a scenario with these result rows; loads computed from the tiny channel."""
    sid: int = await conn.fetchval(
        "INSERT INTO scenarios (name, kind, status, created_by, solver_status, objective_cents)"
        " VALUES ($1, $2, $3, 'test', $4, $5) RETURNING id",
        name,
        kind,
        status,
        solver_status,
        sum(a[2] for a in assigned),
    )
    await fill_result(conn, tiny, sid, assigned, unassigned)
    return sid


async def fill_result(
    conn: AnyConnection,
    tiny: Tiny,
    sid: int,
    assigned: Sequence[Assigned],
    unassigned: Sequence[tuple[str, str]] = (),
) -> None:
    """Write result rows for scenario ``sid`` (what the pipeline's store does after a solve)."""
    for row in assigned:
        specialists = [tiny.specialist[s] for s in (row[3] if len(row) == 4 else ())]
        others = [p for p in tiny.partner if p != row[1]]
        await conn.execute(
            "INSERT INTO scenario_assignments (scenario_id, account_id, partner_id, "
            "specialist_ids, expected_revenue_cents, next_best_partner_id, regret_cents) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            sid,
            tiny.account[row[0]],
            tiny.partner[row[1]],
            specialists,
            row[2],
            tiny.partner[others[0]],
            row[2] // 10,
        )
    for account, reason in unassigned:
        await conn.execute(
            "INSERT INTO scenario_unassigned (scenario_id, account_id, reason) VALUES ($1, $2, $3)",
            sid,
            tiny.account[account],
            reason,
        )
    await conn.execute(
        """INSERT INTO scenario_partner_loads (scenario_id, partner_id, load, capacity,
                                               shadow_price)
           SELECT $1, p.id, coalesce(sum(a.workload), 0), p.capacity, 0.5
             FROM partners p
             LEFT JOIN scenario_assignments sa ON sa.partner_id = p.id AND sa.scenario_id = $1
             LEFT JOIN accounts a ON a.id = sa.account_id
            GROUP BY p.id""",
        sid,
    )
    await conn.execute(
        """INSERT INTO scenario_specialist_loads (scenario_id, specialist_id, load, capacity,
                                                  shadow_price)
           SELECT $1, s.id, (SELECT count(*) FROM scenario_assignments sa
                              WHERE sa.scenario_id = $1 AND s.id = any(sa.specialist_ids)),
                  s.capacity, NULL
             FROM specialists s""",
        sid,
    )
