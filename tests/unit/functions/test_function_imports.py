"""What import-linter cannot see, since functions/ is no package: each function imports only the
layer (and libraries), never another function nor the local cloud, and reaches SQL only through
a service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted((ROOT / "functions").rglob("*.py"))
FUNCTION_NAMES = {path.stem for path in FUNCTIONS}
# The migration function runs the migrations itself: the one handler that may hold a connection.
MAY_USE_THE_DATABASE = {"functions/ops/migrate.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, anywhere in it, as dotted names (`from a import b` gives a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", FUNCTIONS, ids=name_of)
def test_a_function_imports_no_other_function_nor_the_local_cloud(path: Path) -> None:
    roots = {module.split(".")[0] for module in imported_modules(path)}
    assert not {module for module in imported_modules(path) if module.startswith(".")}
    assert roots & FUNCTION_NAMES == set()
    assert roots & {"functions", "localcloud", "tests"} == set()


@pytest.mark.parametrize("path", FUNCTIONS, ids=name_of)
def test_a_function_reaches_sql_only_through_a_service(path: Path) -> None:
    modules = imported_modules(path)
    assert [module for module in modules if module.startswith("plaza.")
            and module.split(".")[-1] == "repo"] == []
    if name_of(path) not in MAY_USE_THE_DATABASE:
        assert "plaza.stores.db" not in modules
