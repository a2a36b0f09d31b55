"""``allot token``: mint a development bearer token (HS256, signed with ALLOT_JWT_SECRET).

    allot token --role PLANNER
    allot token --role PARTNER --partner-id 7 --ttl 30m --subject portal-user

The token goes to standard output alone (``TOKEN=$(allot token --role ADMIN)``); how to use it
goes to standard error. Exit 1 when no secret is configured, 2 on a bad command line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from dotenv import dotenv_values

from api.auth import AuthenticationFailed, mint_token
from api.auth_settings import AuthSettings, AuthSettingsError
from db.principal import PrincipalError, Role

MAX_TTL_SECONDS = 30 * 24 * 3600
_TTL = re.compile(r"^(\d+)([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """``90``, ``90s``, ``30m``, ``8h``, ``2d`` as seconds (1 s .. 30 days)."""
    match = _TTL.match(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a duration like 3600, 30m, 8h or 2d, got {text!r}"
        )
    seconds = int(match[1]) * _UNIT[match[2]]
    if not 1 <= seconds <= MAX_TTL_SECONDS:
        raise argparse.ArgumentTypeError(f"must be between 1 s and 30 days, got {text!r}")
    return seconds


def _role(text: str) -> Role:
    try:
        return Role(text.upper())
    except ValueError:
        names = ", ".join(Role.__members__)
        raise argparse.ArgumentTypeError(f"expected one of {names}, got {text!r}") from None


def _partner_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def auth_settings_from_env(env_file: Path | None = Path(".env")) -> AuthSettings:
    """The security settings as the service reads them: environment over ``.env``."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return AuthSettings.from_env(values)


def cmd_token(args: argparse.Namespace) -> int:
    """Print a token for --role (and --partner-id) valid for --ttl."""
    try:
        settings = auth_settings_from_env()
        subject = args.subject or f"dev-{args.role.value.lower()}"
        token = mint_token(
            settings,
            subject=subject,
            role=args.role,
            partner_id=args.partner_id,
            ttl_seconds=args.ttl,
        )
    except (AuthSettingsError, AuthenticationFailed, PrincipalError) as exc:
        print(f"allot token: error: {exc}", file=sys.stderr)
        return 1
    print(token)
    print(
        f"token for {subject} ({args.role.value}) valid {args.ttl} s. In GraphiQL, Headers: "
        '{"Authorization": "Bearer <token>"}; with curl: -H "Authorization: Bearer $TOKEN"',
        file=sys.stderr,
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``token`` to the allot parser."""
    p = sub.add_parser(
        "token", help="mint a development token (HS256 with ALLOT_JWT_SECRET) for a role"
    )
    p.add_argument("--role", type=_role, required=True, help="ADMIN, PLANNER, PARTNER or VIEWER")
    p.add_argument("--partner-id", type=_partner_id, help="the partner a PARTNER token is bound to")
    p.add_argument(
        "--ttl", type=parse_ttl, default=8 * 3600, help="lifetime: 3600, 30m, 8h, 2d (default 8h)"
    )
    p.add_argument("--subject", help="the token's sub (default dev-<role>)")
    p.set_defaults(func=cmd_token)


def main(argv: list[str] | None = None) -> int:
    """Run ``token`` alone (tests, or before it is wired into ``allot``)."""
    parser = argparse.ArgumentParser(prog="allot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
