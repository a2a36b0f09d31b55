"""The committed SDL (schema.graphql) must match the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
FIX = (
    "schema.graphql is stale: run `allot export-schema --out schema.graphql` (or "
    '`python -c "from schema import schema; '
    "open('schema.graphql', 'w').write(schema.as_str() + '\\n')\"`) and commit it"
)


def test_committed_sdl_is_current() -> None:
    assert SDL.exists(), FIX
    assert SDL.read_text(encoding="utf-8").strip() == schema.as_str().strip(), FIX
