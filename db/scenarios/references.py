"""Check that every row a scenario's parameters name exists: one query per kind of row.

Errors name the first missing reference by its path (``parameters.policy.pins[2].partner_id``)
with rule ``exists``.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.declines import declined_pairs
from db.errors import Invalid
from db.repositories._sql import Executor
from db.scenarios.loader import scope_where
from db.scenarios.parameters import P, ScenarioParameters

_TABLES = ("accounts", "partners", "specialists", "territories", "product_lines")


async def _existing(ex: Executor, table: str, ids: Sequence[int]) -> set[int]:
    """The subset of ``ids`` that are rows of ``table``."""
    if not ids:
        return set()
    assert table in _TABLES
    rows = await ex.fetch(f"SELECT id FROM {table} WHERE id = any($1::bigint[])", list(set(ids)))
    return {int(r["id"]) for r in rows}


def _refs(params: ScenarioParameters) -> dict[str, list[tuple[str, int]]]:
    """(path, id) of every reference, by table, in a stable order."""
    pol = params.policy
    scope = params.scope
    refs: dict[str, list[tuple[str, int]]] = {t: [] for t in _TABLES}
    refs["territories"] += [
        (f"{P}.scope.territory_ids[{i}]", x) for i, x in enumerate(scope.territory_ids)
    ]
    refs["product_lines"] += [
        (f"{P}.scope.product_line_ids[{i}]", x) for i, x in enumerate(scope.product_line_ids)
    ]
    refs["accounts"] += [
        (f"{P}.scope.account_ids[{i}]", x) for i, x in enumerate(scope.account_ids)
    ]
    refs["partners"] += [
        (f"{P}.partner_capacities[{i}].id", c.id) for i, c in enumerate(params.partner_capacities)
    ]
    refs["specialists"] += [
        (f"{P}.specialist_capacities[{i}].id", c.id)
        for i, c in enumerate(params.specialist_capacities)
    ]
    for name, pairs in (("pins", pol.pins), ("forbids", pol.forbids)):
        for i, pair in enumerate(pairs):
            refs["accounts"].append((f"{P}.policy.{name}[{i}].account_id", pair.account_id))
            refs["partners"].append((f"{P}.policy.{name}[{i}].partner_id", pair.partner_id))
    return refs


async def check_references(ex: Executor, params: ScenarioParameters) -> None:
    """Raise ``Invalid(path, rule)`` for the first reference that breaks a rule.

    ``exists``: an id names no row. ``in_scope``: a pin or forbid names an account that the
    scope does not take now (the solver would have no such account to pin or forbid).
    ``active``: a pin names an inactive partner (it cannot be allocated anything).
    ``declined``: a pin names a partner that declined the account (``db.declines``). The scope's
    filters and partner statuses can change after this check: the loader checks both again
    when the solve starts and fails the solve with the same field and rule.
    """
    for table, items in _refs(params).items():
        found = await _existing(ex, table, [x for _, x in items])
        for path, x in items:
            if x not in found:
                raise Invalid(path, "exists", f"{path} refers to a row that does not exist")
    await _check_policy(ex, params)


async def _check_policy(ex: Executor, params: ScenarioParameters) -> None:
    """Pins and forbids name accounts in the scope; pins name active partners."""
    pol = params.policy
    named = sorted({p.account_id for p in pol.pins} | {f.account_id for f in pol.forbids})
    if named:
        where = scope_where(params.scope)
        where.add("a.id = any({}::bigint[])", named)
        rows = await ex.fetch(f"SELECT a.id FROM accounts a WHERE {where.sql()}", *where.args)
        in_scope = {int(r["id"]) for r in rows}
        for name, pairs in (("pins", pol.pins), ("forbids", pol.forbids)):
            for i, pair in enumerate(pairs):
                if pair.account_id not in in_scope:
                    path = f"{P}.policy.{name}[{i}].account_id"
                    raise Invalid(
                        path,
                        "in_scope",
                        f"{path}: account {pair.account_id} is not in the scenario's scope "
                        f"({_describe(params)}); a {name[:-1]} may only name accounts of the "
                        "scope",
                    )
    declined = await declined_pairs(ex, sorted({p.account_id for p in pol.pins}))
    for i, pin in enumerate(pol.pins):
        if (pin.account_id, pin.partner_id) in declined:
            path = f"{P}.policy.pins[{i}]"
            raise Invalid(
                path,
                "declined",
                f"{path}: partner {pin.partner_id} declined account {pin.account_id}; a partner "
                "is never offered an account it declined",
            )
    pinned = sorted({p.partner_id for p in pol.pins})
    if pinned:
        rows = await ex.fetch(
            "SELECT id FROM partners WHERE id = any($1::bigint[]) AND NOT active", pinned
        )
        inactive = {int(r["id"]) for r in rows}
        for i, pin in enumerate(pol.pins):
            if pin.partner_id in inactive:
                path = f"{P}.policy.pins[{i}].partner_id"
                raise Invalid(
                    path,
                    "active",
                    f"{path}: partner {pin.partner_id} is inactive; a pin must name an active "
                    "partner",
                )


def _describe(params: ScenarioParameters) -> str:
    """The scope's filters in words, for error messages."""
    scope = params.scope
    parts = [f"coverage {scope.coverage.value}"]
    if scope.territory_ids:
        parts.append(f"{len(scope.territory_ids)} territory filter(s)")
    if scope.product_line_ids:
        parts.append(f"{len(scope.product_line_ids)} product-line filter(s)")
    if scope.account_ids:
        parts.append(f"an explicit list of {len(scope.account_ids)} account(s)")
    return ", ".join(parts)
