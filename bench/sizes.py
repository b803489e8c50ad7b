"""Deployment package sizes: the layer and one function, zipped the way `sam deploy` uploads them.

From `.aws-sam/build` when `make build` has run since the layer's recipe last changed;
otherwise the layer is built into bench/.work by running layers/plaza/Makefile itself (arm64
wheels from PyPI), so the numbers describe the same recipe either way. Each row says which source
it measured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from bench.report import row

ROOT = Path(__file__).resolve().parent.parent
SAM_BUILD = ROOT / ".aws-sam" / "build"
WORK = ROOT / "bench" / ".work"
FUNCTION = "HealthReadyFunction"
FUNCTION_DIR = ROOT / "functions" / "health"
# Lambda's limits: 50 MB zipped per upload, 250 MB unzipped for a function and its layers.
LIMIT_UNZIPPED_MB = 250


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


def _sources_changed_since(built: Path) -> bool:
    """Whether the layer's recipe (requirements, Makefile) is newer than `built`.

    The plaza package itself is ignored: it is well under 1 MB of the layer and changes with
    every commit, while the dependencies are what the size is made of.
    """
    if not built.exists():
        return True
    recipe = [ROOT / "layers" / "plaza" / "requirements.txt", ROOT / "layers" / "plaza" / "Makefile"]
    return max(path.stat().st_mtime for path in recipe) > built.stat().st_mtime


def build_layer_locally() -> Path:
    artifacts = WORK / "layer"
    stamp = WORK / "layer.built"
    if not (artifacts / "python" / "plaza").is_dir() or _sources_changed_since(stamp):
        shutil.rmtree(artifacts, ignore_errors=True)
        artifacts.mkdir(parents=True)
        # This interpreter is the venv's 3.12, so the layer gets its bytecode as in `sam build`.
        done = subprocess.run(
            ["make", "-s", "-f", str(ROOT / "layers" / "plaza" / "Makefile"), "build-PlazaLayer",
             f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}"],
            cwd=WORK, env={**os.environ, "MAKEFLAGS": ""}, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"building the layer failed:\n{done.stderr[-3000:]}")
        stamp.touch()
    return artifacts


def rows() -> list[dict[str, Any]]:
    sam_layer = SAM_BUILD / "PlazaLayer" / "python"
    if sam_layer.is_dir() and not _sources_changed_since(sam_layer):
        layer_dir, function_dir, source = SAM_BUILD / "PlazaLayer", SAM_BUILD / FUNCTION, \
            "sam build output (.aws-sam/build)"
    else:
        layer_dir, function_dir, source = build_layer_locally(), FUNCTION_DIR, \
            "layers/plaza/Makefile run into bench/.work (no .aws-sam/build)"
    layer_zip = zip_directory(layer_dir, WORK / "zips" / "layer.zip", with_bytecode=True)
    function_zip = zip_directory(function_dir, WORK / "zips" / f"{FUNCTION}.zip",
                                 with_bytecode=False)
    layer_mb = unzipped_bytes(layer_dir) / 1e6
    return [
        row("layer zip (PlazaLayer)", round(layer_zip / 1e6, 2), "MB", source=source),
        row("layer unzipped (PlazaLayer)", round(layer_mb, 1), "MB", source=source,
            goal=f"<= {LIMIT_UNZIPPED_MB} MB with the function", ok=layer_mb < LIMIT_UNZIPPED_MB),
        row(f"function zip ({FUNCTION})", round(function_zip / 1e3, 1), "kB", source=source),
    ]


if __name__ == "__main__":
    for item in rows():
        print(item)
