"""Import time of the layer's core (http, config, db, cache) in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.report import median, row

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
MODULES = ("plaza.http", "plaza.config", "plaza.stores.db", "plaza.stores.cache")

CHILD = """\
import time
started = time.perf_counter()
import {modules}
elapsed_ms = (time.perf_counter() - started) * 1000
import json, sys
print(json.dumps({{"ms": elapsed_ms, "modules": len(sys.modules)}}))
"""


def import_once(modules: tuple[str, ...]) -> tuple[float, int]:
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'shared')!r})\n" + CHILD.format(
        modules=", ".join(modules))
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["ms"]), int(result["modules"])


def rows() -> list[dict[str, Any]]:
    import_once(MODULES)  # fills __pycache__ and the page cache
    samples = [import_once(MODULES) for _ in range(RUNS)]
    return [row("import plaza.http, config, stores.db, stores.cache (median)",
                round(median(ms for ms, _ in samples), 1), "ms", runs=RUNS,
                modules_loaded=samples[-1][1])]


if __name__ == "__main__":
    for item in rows():
        print(item)
