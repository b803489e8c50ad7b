"""What a function of template.yaml can reach: the plaza modules its handler imports and, through
the layer's import graph (grimp; lazy imports count), every module those import."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import grimp

ROOT = Path(__file__).resolve().parents[2]


@cache
def import_graph() -> grimp.ImportGraph:
    return grimp.build_graph("plaza", include_external_packages=True)


def plaza_modules_imported_by(props: dict[str, Any]) -> set[str]:
    """The plaza modules (and imported names that are modules) a function's handler imports."""
    handler = ROOT / props["CodeUri"] / f"{props['Handler'].split('.')[0]}.py"
    named: set[str] = set()
    for node in ast.walk(ast.parse(handler.read_text())):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return named & import_graph().modules


def reaches(props: dict[str, Any], module: str) -> bool:
    """Whether the function's imports lead to `module`: it can run that module's code."""
    return any(name == module or import_graph().chain_exists(importer=name, imported=module)
               for name in plaza_modules_imported_by(props))
