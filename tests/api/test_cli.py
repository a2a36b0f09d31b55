"""The `allot` command: help, migrate, seed, export-schema in-process; serve as a subprocess."""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from api.cli import main
from tests.pgtools import Databases

COMMANDS = [
    "serve",
    "migrate",
    "seed",
    "export-schema",
    "solve-file",
    "gen-problem",
    "worker",
    "scenario",
    "token",
]
SMALL = ["--accounts", "30", "--partners", "4", "--territories", "2", "--specialists", "3"]


@pytest.fixture
async def empty_database_url(databases: Databases) -> AsyncIterator[str]:
    """A database with no tables at all, dropped after the test."""
    name = await databases.create()
    yield databases.url(name)
    await databases.drop(name)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in an empty folder (no developer .env) with no DATABASE_URL inherited."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def _count(url: str, table: str) -> int:
    async def run() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: allot {command}" in capsys.readouterr().out


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["seed", "--accounts", "-5"])
    assert info.value.code == 2
    assert "argument --accounts: must be >= 0, got -5" in capsys.readouterr().err


def test_migrate_applies_then_reports_up_to_date(
    cli_env: Path,
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert main(["migrate"]) == 0
    assert "applied: 0001_channel.sql" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "database is up to date" in capsys.readouterr().out


def test_unreachable_database_is_one_line_not_a_traceback(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("allot migrate: error:")
    assert "Traceback" not in err


def test_bad_setting_is_reported(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLOT_PORT", "eighty")
    assert main(["migrate"]) == 1
    assert "ALLOT_PORT: must be an integer, got 'eighty'" in capsys.readouterr().err


def test_seed_loads_refuses_twice_and_resets(
    cli_env: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["seed", *SMALL]) == 0
    assert "30 accounts" in capsys.readouterr().out
    assert _count(database_url, "accounts") == 30
    assert main(["seed", "--accounts", "10"]) == 1
    assert "already holds channel data" in capsys.readouterr().err
    assert main(["seed", *SMALL[2:], "--accounts", "12", "--reset"]) == 0
    assert _count(database_url, "accounts") == 12


def test_export_schema_writes_the_sdl(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from schema import schema

    assert main(["export-schema"]) == 0
    assert capsys.readouterr().out == schema.as_str() + "\n"
    out = cli_env / "schema.graphql"
    assert main(["export-schema", "--out", str(out)]) == 0
    assert out.read_text() == schema.as_str() + "\n"


class Serving:
    """An `allot serve` subprocess whose output is read line by line in a thread."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--demo", "--port", "0", *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.done = False  # the end-of-output marker was read
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)  # end of output: the process has exited

    def wait_for_url(self, timeout: float = 120.0) -> str:
        """Wait for the "allot listening on URL" line and return the URL."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no URL after {timeout} s: {self.output}") from None
            if line is None:
                self.done = True
                code = self.proc.wait()
                raise AssertionError(f"allot serve exited ({code}) before listening: {self.output}")
            self.output.append(line)
            if line.startswith("allot listening on "):
                return line.removeprefix("allot listening on ").strip()

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Send `sig` and return the exit code; kill if it does not stop in 30 s."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def rest(self) -> str:
        """All output, once the process has exited."""
        while not self.done:
            line = self.lines.get(timeout=30)
            if line is None:
                self.done = True
            else:
                self.output.append(line)
        return "".join(self.output)


@pytest.fixture
def serve_env() -> Iterator[dict[str, str]]:
    """Environment for `allot serve`: no DATABASE_URL, a throw-away data folder."""
    # Own temporary folder, not tmp_path: the embedded server runs as another user when root,
    # and the folder is removed here after the server has stopped.
    data = Path(tempfile.mkdtemp(prefix="allot-serve-test-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ALLOT_DATA_DIR"] = str(data / "data")
    env["ALLOT_LOG_LEVEL"] = "WARNING"
    yield env
    shutil.rmtree(data, ignore_errors=True)


def _ready_and_count(graphql_url: str) -> int:
    """Check /readyz and return the accounts' totalCount through GraphQL."""
    base = graphql_url.removesuffix("/graphql")
    assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
    response = httpx.post(
        graphql_url, json={"query": "{ accounts(first: 1) { totalCount } }"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["accounts"]["totalCount"])


def test_serve_with_database_url_answers_and_stops_on_ctrl_c(
    database_url: str, serve_env: dict[str, str], tmp_path: Path
) -> None:
    serving = Serving(
        ["--demo-accounts", "40"], {**serve_env, "DATABASE_URL": database_url}, tmp_path
    )
    try:
        url = serving.wait_for_url()
        assert url.startswith("http://127.0.0.1:")
        assert _ready_and_count(url) == 40
    finally:
        code = serving.stop(signal.SIGINT)
    assert code == 0, serving.rest()
    assert "loaded demo data: 40 accounts" in serving.rest()


@pytest.mark.slow
def test_serve_embedded_keeps_data_across_restarts(
    serve_env: dict[str, str], tmp_path: Path
) -> None:
    pgdata = Path(serve_env["ALLOT_DATA_DIR"]) / "postgres"
    first = Serving(["--demo-accounts", "25"], serve_env, tmp_path)
    try:
        assert _ready_and_count(first.wait_for_url()) == 25
    finally:
        assert first.stop(signal.SIGTERM) == 0, first.rest()
    assert "loaded demo data: 25 accounts" in first.rest()
    assert not (pgdata / "postmaster.pid").exists()  # the embedded server was stopped

    second = Serving(["--demo-accounts", "99"], serve_env, tmp_path)
    try:
        assert _ready_and_count(second.wait_for_url()) == 25  # same data, not seeded again
    finally:
        assert second.stop(signal.SIGINT) == 0, second.rest()
    assert "loaded demo data" not in second.rest()
    assert not (pgdata / "postmaster.pid").exists()
