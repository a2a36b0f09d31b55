"""Check that every row a scenario's parameters name exists: one query per kind of row.

Errors name the first missing reference by its path (``parameters.policy.pins[2].partner_id``)
with rule ``exists``.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.errors import Invalid
from db.repositories._sql import Executor
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
    """Raise ``Invalid(path, "exists")`` for the first id that names no row."""
    for table, items in _refs(params).items():
        found = await _existing(ex, table, [x for _, x in items])
        for path, x in items:
            if x not in found:
                raise Invalid(path, "exists", f"{path} refers to a row that does not exist")
