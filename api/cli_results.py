"""`allot scenario export ID [--out FILE.csv]`: a scenario's assignments as CSV.

Added to the pipeline's `scenario` command group through `register_scenario_commands`. Rows
stream from a server-side cursor (highest expected revenue first), so memory stays flat.
Exit codes: 0 written, 1 unknown scenario or database error (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from typing import TextIO

from db.errors import DomainError
from db.pool import connect
from db.results.export import HEADER, rows


async def write_csv(url: str, scenario_id: int, out: TextIO) -> int:
    """Write the header and every assignment of the scenario to ``out``; return the row count."""
    conn = await connect(url)
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        written = 0
        async for row in rows(conn, scenario_id):
            writer.writerow(row)
            written += 1
        return written
    finally:
        await conn.close()


def cmd_scenario_export(args: argparse.Namespace) -> int:
    """Export the assignments of scenario ``args.id`` to ``args.out`` or standard output."""
    from api import cli, serve

    with serve.database(cli._settings(args)) as url:
        try:
            if args.out is None:
                asyncio.run(write_csv(url, args.id, sys.stdout))
                return 0
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                count = asyncio.run(write_csv(url, args.id, out))
        except DomainError as exc:
            print(f"allot scenario export: error: {exc.message}", file=sys.stderr)
            return 1
    print(f"wrote {count} assignments to {args.out}", file=sys.stderr)
    return 0


def register_scenario_commands(scenario_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `export` to the `scenario` group (called by api/cli_scenarios.register)."""
    from api.cli_scenarios import _scenario_id

    p = scenario_sub.add_parser("export", help="write a scenario's assignments as CSV")
    p.add_argument("id", type=_scenario_id, help="scenario id (number or global ID)")
    p.add_argument("--out", help="CSV file to write (default: standard output)")
    p.set_defaults(func=cmd_scenario_export)
