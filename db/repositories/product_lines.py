"""Product lines: the small reference list, read whole or in batches by id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from db.models import BusinessUnit, ProductLine
from db.repositories._sql import Executor, in_key_order

COLUMNS = "id, code, name, business_unit"
LIST_ALL = f"SELECT {COLUMNS} FROM product_lines ORDER BY code"
BY_IDS = f"SELECT {COLUMNS} FROM product_lines WHERE id = any($1::bigint[])"


async def list_all(pool: asyncpg.Pool) -> list[ProductLine]:
    """Every product line, by code."""
    return [ProductLine.from_row(r) for r in await pool.fetch(LIST_ALL)]


async def get_many(pool: Executor, ids: Sequence[int]) -> list[ProductLine | None]:
    """Product lines for ``ids`` in key order (None for unknown ids): a DataLoader batch."""
    rows = await pool.fetch(BY_IDS, list(ids))
    return in_key_order(ids, map(ProductLine.from_row, rows), lambda p: p.id)


async def existing_ids(conn: Executor, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` name a product line."""
    rows = await conn.fetch("SELECT id FROM product_lines WHERE id = any($1::bigint[])", list(ids))
    return {r["id"] for r in rows}


def lines_of(rows: Iterable[asyncpg.Record]) -> dict[int, ProductLine]:
    """The product lines of rows joined to ``product_lines`` (columns ``product_line_id``,
    ``code``, ``name``, ``business_unit``), one ProductLine per id."""
    lines: dict[int, ProductLine] = {}
    for row in rows:
        line_id = row["product_line_id"]
        if line_id not in lines:
            unit = BusinessUnit(row["business_unit"])
            lines[line_id] = ProductLine(line_id, row["code"], row["name"], unit)
    return lines
