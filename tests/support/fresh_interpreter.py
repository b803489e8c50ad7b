"""What a function's imports leave behind, read in a fresh interpreter as a Lambda container
starts it (the test process has long imported everything)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def after_import(code_dir: str, module: str, setup: str, expression: str) -> Any:
    """`expression` (JSON-able) after importing `module` from `code_dir` (and the layer), then
    running `setup` (the imports the expression needs)."""
    paths = [str(ROOT / code_dir), str(ROOT / "shared")]
    script = (f"import sys; sys.path[:0] = {paths!r}\nimport {module}\n{setup}\n"
              f"import json; print(json.dumps({expression}))")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)
