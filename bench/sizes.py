"""Deployment package sizes, zipped the way `sam deploy` uploads them, before and after the lock.

Before: the PlazaLayer as it was built from the unlocked requirement list that also carried
FastAPI, Mangum and Meilisearch (kept in bench/layer_requirements_before.txt), and the admin
function as its code alone. After: the PlazaLayer from the lock, the SearchLayer that only the
functions running search carry, and the admin function with FastAPI and Mangum in its own package.

Each package comes from `.aws-sam/build` when `make build` has run since its recipe last changed;
otherwise it is built into bench/.work by the same recipe: the layers by running their Makefiles
(arm64 wheels from PyPI), the admin function by installing its requirements for arm64 as sam's
pip builder does. Each row says which source it measured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import row

ROOT = Path(__file__).resolve().parent.parent
SAM_BUILD = ROOT / ".aws-sam" / "build"
WORK = ROOT / "bench" / ".work"
LAYERS = ROOT / "layers"
BASELINE_REQUIREMENTS = ROOT / "bench" / "layer_requirements_before.txt"
ADMIN = "AdminApiFunction"
ADMIN_DIR = ROOT / "functions" / "admin"
# A typical function: one of the eleven that share functions/posts/ (sam zips the whole CodeUri).
TYPICAL = "PostsCreateFunction"
TYPICAL_DIR = ROOT / "functions" / "posts"
# Lambda's limits: 50 MB zipped per upload, 250 MB unzipped for a function and its layers.
LIMIT_UNZIPPED_MB = 250
# What sam's pip builder asks for when it builds a python3.12 function for arm64.
ARM64_WHEELS = ["--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_28_aarch64",
                "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]


def _files(source: Path, with_bytecode: bool) -> list[Path]:
    return sorted(path for path in source.rglob("*") if path.is_file()
                  and (with_bytecode or "__pycache__" not in path.parts))


def zip_directory(source: Path, target: Path, with_bytecode: bool) -> int:
    """Bytes of `source` deflated; the layer ships its bytecode, a function's is local debris."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in _files(source, with_bytecode):
            archive.write(path, path.relative_to(source))
    return target.stat().st_size


def unzipped_bytes(source: Path) -> int:
    return sum(path.stat().st_size for path in _files(source, with_bytecode=True))


def _changed_since(recipe: list[Path], built: Path) -> bool:
    """Whether any file of the recipe (requirements, Makefiles) is newer than `built`.

    The plaza package and function code are ignored: well under 1 MB and changed by every
    commit, while the dependencies are what the sizes are made of.
    """
    if not built.exists():
        return True
    return max(path.stat().st_mtime for path in recipe) > built.stat().st_mtime


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, cwd=WORK, env={**os.environ, "MAKEFLAGS": ""},
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building {what} failed:\n{done.stderr[-3000:]}")


def _build_once(name: str, recipe: list[Path], build: Callable[[Path], None]) -> Path:
    """bench/.work/<name>, rebuilt only when its recipe changed since the last build."""
    artifacts, stamp = WORK / name, WORK / f"{name}.built"
    if not artifacts.is_dir() or _changed_since(recipe, stamp):
        shutil.rmtree(artifacts, ignore_errors=True)
        artifacts.mkdir(parents=True)
        build(artifacts)
        stamp.touch()
    return artifacts


def _layer(logical_id: str, folder: str, *overrides: str) -> Callable[[Path], None]:
    makefile = LAYERS / folder / "Makefile"

    def build(artifacts: Path) -> None:
        # This interpreter is the venv's 3.12, so the layer gets its bytecode as in `sam build`.
        _run(["make", "-s", "-f", str(makefile), f"build-{logical_id}", f"ARTIFACTS_DIR={artifacts}",
              f"PYTHON={sys.executable}", *overrides], logical_id)
    return build


def _function(code: Path, with_requirements: bool = True) -> Callable[[Path], None]:
    def build(artifacts: Path) -> None:
        shutil.copytree(code, artifacts, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "requirements.txt"))
        requirements = code / "requirements.txt"
        if with_requirements and requirements.exists():
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--no-compile", *ARM64_WHEELS, "--require-hashes", "-r", str(requirements),
                  "-t", str(artifacts)], code.name)
    return build


def _package(logical_id: str, recipe: list[Path], build: Callable[[Path], None]) -> tuple[Path, str]:
    """Where `logical_id`'s package is and which source that is."""
    built = SAM_BUILD / logical_id
    if built.is_dir() and not _changed_since(recipe, built):
        return built, "sam build output (.aws-sam/build)"
    return _build_once(logical_id, recipe, build), "built into bench/.work by the same recipe"


def _zip_mb(source: Path, name: str, with_bytecode: bool) -> float:
    return round(zip_directory(source, WORK / "zips" / f"{name}.zip", with_bytecode) / 1e6, 2)


def _zip_kb(source: Path, name: str) -> float:
    """A function's package: its bytecode is local debris, sam zips none."""
    return round(zip_directory(source, WORK / "zips" / f"{name}.zip", with_bytecode=False) / 1e3, 1)


def rows() -> list[dict[str, Any]]:
    wheels_mk = LAYERS / "wheels.mk"
    before = _build_once(
        "PlazaLayer-before", [BASELINE_REQUIREMENTS, wheels_mk, LAYERS / "plaza" / "Makefile"],
        _layer("PlazaLayer", "plaza", f"REQUIREMENTS={BASELINE_REQUIREMENTS}", "HASHES="))
    plaza, plaza_source = _package(
        "PlazaLayer", [LAYERS / "plaza" / "requirements.txt", LAYERS / "plaza" / "Makefile", wheels_mk],
        _layer("PlazaLayer", "plaza"))
    search, search_source = _package(
        "SearchLayer", [LAYERS / "search" / "requirements.txt", LAYERS / "search" / "Makefile",
                        wheels_mk], _layer("SearchLayer", "search"))
    admin, admin_source = _package(ADMIN, [ADMIN_DIR / "requirements.txt"], _function(ADMIN_DIR))

    layer_before = _zip_mb(before, "PlazaLayer-before", with_bytecode=True)
    layer_after = _zip_mb(plaza, "PlazaLayer", with_bytecode=True)
    search_zip = _zip_mb(search, "SearchLayer", with_bytecode=True)
    admin_code_only = _zip_kb(_build_once(f"{ADMIN}-before", [ADMIN_DIR / "requirements.txt"],
                                          _function(ADMIN_DIR, with_requirements=False)),
                              f"{ADMIN}-before")
    admin_zip = _zip_kb(admin, ADMIN)
    typical_zip = _zip_kb(TYPICAL_DIR, TYPICAL)
    unzipped_mb = (unzipped_bytes(plaza) + unzipped_bytes(search)) / 1e6
    baseline = "before: the unlocked layer with FastAPI, Mangum and Meilisearch"
    return [
        row("layer zip (PlazaLayer), every function", layer_after, "MB", baseline=layer_before,
            source=plaza_source, note=baseline),
        row("layer zip (SearchLayer), search functions only", search_zip, "MB",
            source=search_source),
        row("layers zip, a search function (PlazaLayer + SearchLayer)",
            round(layer_after + search_zip, 2), "MB", baseline=layer_before, note=baseline),
        row("layers unzipped (PlazaLayer + SearchLayer)", round(unzipped_mb, 1), "MB",
            source=plaza_source, goal=f"<= {LIMIT_UNZIPPED_MB} MB with the function",
            ok=unzipped_mb < LIMIT_UNZIPPED_MB),
        row(f"function zip ({ADMIN}), with FastAPI + Mangum", admin_zip, "kB",
            baseline=admin_code_only, source=admin_source,
            note="before: its code alone, FastAPI and Mangum were in the layer; sam's pip "
                 "builder installs the whole closure, so it repeats pydantic from the layer"),
        row(f"function zip ({TYPICAL}, functions/posts/)", typical_zip, "kB",
            baseline=typical_zip, note="unchanged: its dependencies are all in the layer"),
    ]


if __name__ == "__main__":
    for item in rows():
        print(item)
