"""Imports point down only: api -> schema -> db -> solver (checked by parsing every module).

Every import counts, including ones inside functions and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("api", "schema", "db", "solver", "tests", "bench")
# What each package may import of ours (itself included).
ALLOWED: dict[str, set[str]] = {
    "solver": {"solver"},
    "db": {"db", "solver"},
    "schema": {"schema", "db", "solver"},
    "api": {"api", "schema", "db", "solver"},
}
# The solver is a pure library: no database, web or GraphQL libraries either.
SOLVER_FORBIDDEN = {"asyncpg", "starlette", "strawberry", "uvicorn", "httpx", "pgqueuer"}


def _imported_tops(source: str, depth: int, package: str) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in `source`, a module `depth` folders below
    the root inside `package`; relative imports resolved."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, (node.module or "").split(".")[0]))
            elif node.level <= depth:
                found.append((node.lineno, package))  # stays inside the package
            else:
                found.append((node.lineno, "<beyond the package>"))
    return found


def _violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        depth = len(path.relative_to(ROOT).parts) - 1
        for line, top in _imported_tops(path.read_text(encoding="utf-8"), depth, package):
            ours_but_not_allowed = top in OURS and top not in ALLOWED[package]
            forbidden_lib = package == "solver" and top in SOLVER_FORBIDDEN
            if ours_but_not_allowed or forbidden_lib or top == "<beyond the package>":
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {top}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    assert (ROOT / package / "__init__.py").exists()
    assert _violations(package) == []


def test_the_check_sees_imports_anywhere() -> None:
    # Imports nested in functions and TYPE_CHECKING blocks count; relative ones stay inside.
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from api.app import create_app\n"
        "def f():\n    import schema.context\n"
        "from . import sibling\n"
        "from ... import escape\n"
    )
    tops = [top for _, top in sorted(_imported_tops(source, depth=2, package="solver"))]
    assert tops == ["typing", "api", "schema", "solver", "<beyond the package>"]
