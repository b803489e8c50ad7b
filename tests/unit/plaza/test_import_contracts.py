"""`make lint` runs lint-imports with pyproject.toml's contracts: they hold on this tree, and a
forbidden import planted in a scratch copy of the layer breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over `tree` (a checkout: shared/plaza and localcloud), with our contracts."""
    env = {**os.environ, "PYTHONPATH": f"{tree / 'shared'}{os.pathsep}{tree}"}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "shared" / "plaza", tmp_path / "shared" / "plaza",
                    ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.txt"))
    (tmp_path / "localcloud").mkdir()
    (tmp_path / "localcloud" / "__init__.py").write_text("")
    return tmp_path


def plant(tree: Path, module: str, statement: str) -> None:
    path = tree / "shared" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{statement}\n")


def test_the_contracts_hold_on_this_tree() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("module", "statement", "contract"), [
    ("plaza.realtime.hub", "from plaza.chat import service", "Domains form a stack"),
    ("plaza.stores.db", "from plaza.social import repo", "Stores and the layer's shared modules"),
    ("plaza.posts.repo", "from plaza.posts import service", "Repos hold SQL"),
    ("plaza.config", "import localcloud", "The layer never imports the local cloud"),
], ids=["domain-upwards", "store-to-domain", "repo-to-service", "layer-to-local-cloud"])
def test_a_forbidden_import_breaks_a_contract(scratch: Path, module: str, statement: str,
                                              contract: str) -> None:
    plant(scratch, module, statement)
    done = lint_imports(scratch)
    assert done.returncode != 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    verdicts = [line.rstrip() for line in plain.splitlines()
                if line.startswith(contract) and line.rstrip().endswith(("KEPT", "BROKEN"))]
    assert verdicts and all(line.endswith("BROKEN") for line in verdicts), plain
