"""``allot token`` in-process, and end to end: a served allot (no demo anonymity) answers 401
without a token and data with a token minted by the command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.auth import TokenVerifier
from api.cli import main
from api.cli_token import parse_ttl
from db.principal import Principal, Role
from tests.auth_helpers import TEST_AUTH, TEST_SECRET


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty working folder (no .env) with the test secret in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLOT_JWT_SECRET", TEST_SECRET)
    for name in ("ALLOT_JWT_ISSUER", "ALLOT_JWT_AUDIENCE", "ALLOT_DEMO_ANONYMOUS_ROLE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_token_prints_a_token_the_service_accepts(
    token_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["token", "--role", "partner", "--partner-id", "12", "--ttl", "30m"])
    out, err = capsys.readouterr()
    assert code == 0
    token = out.strip()
    assert "\n" not in token
    assert TokenVerifier(TEST_AUTH).verify(token) == Principal("dev-partner", Role.PARTNER, 12)
    assert "Authorization" in err and "Bearer" in err


def test_token_reads_the_secret_from_dot_env(
    token_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ALLOT_JWT_SECRET")
    (token_env / ".env").write_text(f"ALLOT_JWT_SECRET={TEST_SECRET}\n")
    assert main(["token", "--role", "VIEWER", "--subject", "alice"]) == 0
    token = capsys.readouterr().out.strip()
    assert TokenVerifier(TEST_AUTH).verify(token) == Principal("alice", Role.VIEWER)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "PARTNER"], "partner_id: required (a positive id) for PARTNER"),
        (
            ["--role", "ADMIN", "--partner-id", "3"],
            "partner_id: only a PARTNER has one",
        ),
    ],
)
def test_token_refuses_inconsistent_claims(
    token_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["token", *args]) == 1
    assert message in capsys.readouterr().err


def test_token_without_a_secret_is_a_clear_error(
    token_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ALLOT_JWT_SECRET")
    assert main(["token", "--role", "ADMIN"]) == 1
    assert "ALLOT_JWT_SECRET is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [["--role", "ROOT"], ["--role", "ADMIN", "--ttl", "5y"], ["--partner-id", "1"]],
)
def test_token_bad_command_lines_exit_2(token_env: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["token", *args])
    assert exited.value.code == 2


def test_ttl_parsing() -> None:
    assert [parse_ttl(t) for t in ("90", "90s", "30m", "8h", "2d")] == [
        90,
        90,
        1800,
        28800,
        172800,
    ]


@pytest.mark.slow  # a served allot in a subprocess: about 10 s
def test_served_allot_with_a_minted_token(database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOT_")}
    env.update(
        DATABASE_URL=database_url,
        ALLOT_DATA_DIR=str(tmp_path / "data"),
        ALLOT_LOG_LEVEL="WARNING",
        ALLOT_JWT_SECRET=TEST_SECRET,
        ALLOT_INPROCESS_WORKER="0",
    )
    allot = [sys.executable, "-m", "api"]
    minted = subprocess.run(
        [*allot, "token", "--role", "VIEWER"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    token = minted.stdout.strip()
    serve = subprocess.Popen(  # no --demo: anonymous requests are refused
        [*allot, "serve", "--port", "0", "--no-demo-data"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert serve.stdout is not None
        output = []
        for line in serve.stdout:  # ends if the process exits before listening
            output.append(line)
            if line.startswith("allot listening on "):
                break
        url = output[-1].removeprefix("allot listening on ").strip()
        assert url.startswith("http://"), "".join(output)
        query = {"query": "{ productLines { code } }"}
        anonymous = httpx.post(url, json=query, timeout=10)
        with_token = httpx.post(
            url, json=query, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(30)
    assert code == 0
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert with_token.status_code == 200, with_token.text
    assert with_token.json() == {"data": {"productLines": []}}  # no demo data: empty database
