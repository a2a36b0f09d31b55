"""Embedded PostgreSQL helpers: stale handles forgotten, the allot database made once."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

from api.embedded import _forget_dead_handles, ensure_database
from db.dsn import database_name
from tests.pgtools import Databases


def test_dead_processes_are_dropped_from_the_handle_list(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid no longer exists
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([dead.pid, 1]))
    _forget_dead_handles(tmp_path)
    assert json.loads(handles.read_text()) == [1]


def test_a_broken_handle_list_is_left_alone(tmp_path: Path) -> None:
    handles = tmp_path / ".handle_pids.json"
    handles.write_text("not json")
    _forget_dead_handles(tmp_path)
    assert handles.read_text() == "not json"


async def test_ensure_database_creates_once(databases: Databases) -> None:
    name = f"allot_t_{uuid.uuid4().hex[:8]}_ensure"
    try:
        url = await ensure_database(databases.server_url, name)
        assert database_name(url) == name
        assert await ensure_database(databases.server_url, name) == url  # already there: fine
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT current_database()") == name
        finally:
            await conn.close()
    finally:
        await databases.drop(name)
