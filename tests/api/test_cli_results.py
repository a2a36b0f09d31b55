"""`allot scenario export`: CSV of a result's assignments, in-process against a test database."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from api.cli import main
from db.pool import connect
from db.results.export import HEADER
from schema.common.ids import encode_id
from tests.db.results.tiny import RESULT_A, UNASSIGNED_A, Tiny, add_result, make_tiny


def _prepare(url: str) -> tuple[Tiny, int]:
    async def run() -> tuple[Tiny, int]:
        conn = await connect(url)
        try:
            tiny = await make_tiny(conn)
            return tiny, await add_result(conn, tiny, RESULT_A, UNASSIGNED_A)
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """DATABASE_URL set to a fresh database, run in an empty folder (no developer .env)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def test_export_writes_every_assignment(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny, sid = _prepare(cli_db)
    out = tmp_path / "a.csv"
    assert main(["scenario", "export", encode_id("Scenario", sid), "--out", str(out)]) == 0
    assert "wrote 4 assignments" in capsys.readouterr().err
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == HEADER
    body = [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]
    # highest expected revenue first; A5 is unassigned and not exported
    assert [r["external_ref"] for r in body] == ["A4", "A3", "A2", "A1"]
    a2 = body[2]
    assert (a2["partner_name"], a2["track"], a2["tier"], a2["territory"]) == (
        "P1",
        "VOLUME",
        "SILVER",
        "NORTH",
    )
    assert a2["specialist_ids"] == str(tiny.specialist["S1"])
    assert (a2["expected_revenue_cents"], a2["regret_cents"]) == ("200", "20")


def test_export_to_stdout_and_unknown_scenario(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _tiny, sid = _prepare(cli_db)
    assert main(["scenario", "export", str(sid)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[0].startswith("account_id,external_ref")
    assert main(["scenario", "export", "999999"]) == 1
    assert "Scenario 999999 does not exist" in capsys.readouterr().err


def test_export_refuses_a_bad_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scenario", "export", "not-an-id"])
    assert info.value.code == 2
    assert "not a scenario id" in capsys.readouterr().err
