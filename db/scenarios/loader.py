"""Scenario -> ``allot-problem/1`` dict for the solver, in a handful of bulk queries.

Accounts and wallets come back as a few arrays (one row each, ``array_agg``), partners,
competencies, territories and specialists as small result sets. Ids in the problem are the
database ids as strings; ``store`` maps them back. Only active partners take part; a pin or
forbid on an account outside the scope, or a pin on an inactive partner, is an error that
names it (checked when the scenario is written, and again here: the scope is dynamic). Every
(account, partner) pair whose partner declined the account is forbidden (``db.declines``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from db.declines import declined_pairs
from db.errors import Invalid
from db.models import Coverage
from db.repositories._sql import Executor, Where
from db.scenarios.models import Scenario, ScopeCoverage
from db.scenarios.parameters import P, Scope

ACCOUNTS = """
SELECT coalesce(array_agg(a.id ORDER BY a.id), '{{}}') AS id,
       coalesce(array_agg(a.territory_id ORDER BY a.id), '{{}}') AS territory,
       coalesce(array_agg(a.workload ORDER BY a.id), '{{}}') AS workload,
       coalesce(array_agg(a.incumbent_partner_id ORDER BY a.id), '{{}}') AS incumbent
  FROM accounts a WHERE {where}
"""
WALLETS = """
SELECT coalesce(array_agg(w.account_id), '{}') AS account,
       coalesce(array_agg(w.product_line_id), '{}') AS line,
       coalesce(array_agg(w.whitespace_cents), '{}') AS ws
  FROM account_wallets w
 WHERE w.account_id = any($1::bigint[]) AND w.whitespace_cents > 0
"""
PARTNERS = """
SELECT p.id, p.track, p.tier, p.capacity,
       coalesce((SELECT array_agg(t.territory_id) FROM partner_territories t
                  WHERE t.partner_id = p.id), '{}') AS territories,
       coalesce((SELECT array_agg(c.product_line_id) FROM partner_competencies c
                  WHERE c.partner_id = p.id), '{}') AS lines,
       coalesce((SELECT array_agg(c.attach_rate::float8) FROM partner_competencies c
                  WHERE c.partner_id = p.id), '{}') AS rates
  FROM partners p WHERE p.active ORDER BY p.id
"""
SPECIALISTS = """
SELECT id, territory_id, product_line_id, capacity, lift::float8 AS lift
  FROM specialists ORDER BY id
"""


@dataclass(frozen=True)
class LoadedProblem:
    """The solver's input dict and what loading it cost."""

    problem: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)


def scope_where(scope: Scope) -> Where:
    """The scope's filters on ``accounts a`` (evaluated now: coverage can change over time)."""
    where = Where()
    if scope.coverage is not ScopeCoverage.ANY:
        where.add("a.coverage = {}", Coverage(scope.coverage.value).value)
    if scope.territory_ids:
        where.add("a.territory_id = any({}::bigint[])", list(scope.territory_ids))
    if scope.account_ids:
        where.add("a.id = any({}::bigint[])", list(scope.account_ids))
    if scope.product_line_ids:
        where.add(
            "EXISTS (SELECT 1 FROM account_wallets w WHERE w.account_id = a.id "
            "AND w.product_line_id = any({}::bigint[]) AND w.whitespace_cents > 0)",
            list(scope.product_line_ids),
        )
    return where


def _accounts(acc: Any, wal: Any, partners: set[str]) -> list[dict[str, Any]]:
    whitespace: dict[int, dict[str, int]] = {}
    for a, line, ws in zip(wal["account"], wal["line"], wal["ws"], strict=True):
        whitespace.setdefault(a, {})[str(line)] = ws
    out = []
    for a, terr, work, inc in zip(
        acc["id"], acc["territory"], acc["workload"], acc["incumbent"], strict=True
    ):
        incumbent = str(inc) if inc is not None and str(inc) in partners else None
        out.append(
            {
                "id": str(a),
                "territory": str(terr),
                "workload": work,
                "incumbent": incumbent,
                "whitespace": whitespace.get(a, {}),
            }
        )
    return out


def _policy(
    scenario: Scenario,
    in_scope: set[str],
    partners: set[str],
    declined: set[tuple[int, int]],
) -> dict[str, Any]:
    """The problem's policy block; every ``declined`` pair is forbidden (``db.declines``).

    ``createScenario`` / ``updateScenario`` check that pins and forbids name accounts of the
    scope and that pins name active partners, but the scope's filters and a partner's status
    are evaluated again here: what changed since then is an ``Invalid`` naming the pin or forbid
    (the worker ends the solve FAILED with that reason), never a rule dropped in silence. A
    forbid on a partner that became inactive is left out: that partner gets nothing anyway.
    """
    pol = scenario.parameters.policy
    lists: dict[str, list[dict[str, str]]] = {"pins": [], "forbids": []}
    for name, pairs in (("pins", pol.pins), ("forbids", pol.forbids)):
        for i, pair in enumerate(pairs):
            account, partner = str(pair.account_id), str(pair.partner_id)
            if account not in in_scope:
                raise Invalid(
                    f"{P}.policy.{name}[{i}].account_id",
                    "in_scope",
                    f"{P}.policy.{name}[{i}] names account {account}, which is no longer in "
                    "the scenario's scope (its filters are applied when the solve starts): "
                    f"remove the {name[:-1]} or widen the scope",
                )
            if partner not in partners:
                if name == "forbids":
                    continue  # an inactive partner gets nothing anyway
                raise Invalid(
                    f"{P}.policy.pins[{i}].partner_id",
                    "active",
                    f"{P}.policy.pins[{i}] pins account {account} to partner {partner}, which "
                    "is no longer active",
                )
            if name == "pins" and (pair.account_id, pair.partner_id) in declined:
                raise Invalid(
                    f"{P}.policy.pins[{i}]",
                    "declined",
                    f"{P}.policy.pins[{i}] pins account {account} to partner {partner}, which "
                    "declined it: a partner is never offered an account it declined",
                )
            lists[name].append({"account": account, "partner": partner})
    forbidden = {(f["account"], f["partner"]) for f in lists["forbids"]}
    for a, p in sorted(declined):
        key = (str(a), str(p))
        if key[1] in partners and key not in forbidden:
            lists["forbids"].append({"account": key[0], "partner": key[1]})
    floor = pol.tier_floor
    return {
        "must_cover": pol.must_cover,
        **lists,
        "tier_floor": None
        if floor is None
        else {"min_whitespace": floor.min_whitespace_cents, "tier": floor.tier.value},
        "min_track_share": {t.value: s for t, s in pol.min_track_share},
        "max_accounts_per_partner": pol.max_accounts_per_partner,
        "stickiness": pol.stickiness,
    }


async def load(ex: Executor, scenario: Scenario) -> LoadedProblem:
    """Read the scenario's accounts, partners and specialists into an allot-problem/1 dict."""
    started = time.perf_counter()
    params = scenario.parameters
    where = scope_where(params.scope)
    acc = await ex.fetchrow(ACCOUNTS.format(where=where.sql()), *where.args)
    assert acc is not None
    wal = await ex.fetchrow(WALLETS, acc["id"])
    assert wal is not None
    prows = await ex.fetch(PARTNERS)
    srows = await ex.fetch(SPECIALISTS)
    lines = [str(r["id"]) for r in await ex.fetch("SELECT id FROM product_lines ORDER BY id")]
    terrs = [str(r["id"]) for r in await ex.fetch("SELECT id FROM territories ORDER BY id")]
    queried = time.perf_counter()

    p_cap = {c.id: c.capacity for c in params.partner_capacities}
    s_cap = {c.id: c.capacity for c in params.specialist_capacities}
    partners = [
        {
            "id": str(r["id"]),
            "track": r["track"],
            "tier": r["tier"],
            "capacity": p_cap.get(r["id"], r["capacity"]),
            "territories": [str(t) for t in r["territories"]],
            "attach_rates": {str(k): v for k, v in zip(r["lines"], r["rates"], strict=True)},
        }
        for r in prows
    ]
    partner_ids = {p["id"] for p in partners}
    # The one loop over every account and wallet: off the event loop (an API may host a worker).
    accounts = await asyncio.to_thread(_accounts, acc, wal, partner_ids)
    declined = await declined_pairs(ex, acc["id"])
    policy = _policy(scenario, {a["id"] for a in accounts}, partner_ids, declined)
    problem = {
        "format": "allot-problem/1",
        "name": f"scenario {scenario.id}: {scenario.name}",
        "product_lines": lines,
        "territories": terrs,
        "partners": partners,
        "specialists": [
            {
                "id": str(r["id"]),
                "territory": str(r["territory_id"]),
                "product_line": str(r["product_line_id"]),
                "capacity": s_cap.get(r["id"], r["capacity"]),
                "lift": r["lift"],
            }
            for r in srows
        ],
        "accounts": accounts,
        "policy": policy,
    }
    stats = {
        "accounts": len(accounts),
        "partners": len(partners),
        "specialists": len(srows),
        "wallets": len(wal["ws"]),
        "declined_pairs_forbidden": len(declined),
        "load_query_s": round(queried - started, 4),
        "load_build_s": round(time.perf_counter() - queried, 4),
    }
    return LoadedProblem(problem, stats)
