"""Import time of the shared layer in a fresh interpreter, and what it leaves for first use.

The layer's modules import their clients lazily (psycopg, redis, Powertools, pydantic), so the
core row is the price every function pays; the next row adds the client libraries a function
loads on its first database and Redis call, so the total stays visible. The HTTP row compares
plaza.http with the framework the baseline function imports (FastAPI + Mangum).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.report import median, row

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
CORE = ("plaza.http", "plaza.config", "plaza.stores.db", "plaza.stores.cache")
CLIENTS = ("psycopg", "redis")
FASTAPI = ("fastapi", "mangum")

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


def measure(cases: dict[str, tuple[str, ...]], runs: int = RUNS) -> dict[str, list[tuple[float, int]]]:
    for modules in cases.values():
        import_once(modules)  # fills __pycache__ and the page cache
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
    # Interleaved, so drift on a busy machine hits every case alike.
    for _ in range(runs):
        for name, modules in cases.items():
            samples[name].append(import_once(modules))
    return samples


def _ms(samples: list[tuple[float, int]]) -> float:
    return round(median(ms for ms, _ in samples), 1)


def rows() -> list[dict[str, Any]]:
    samples = measure({"http": ("plaza.http",), "fastapi": FASTAPI, "core": CORE,
                       "core+clients": CORE + CLIENTS})
    return [
        row("import plaza.http vs fastapi + mangum (median)", _ms(samples["http"]), "ms",
            _ms(samples["fastapi"]), runs=RUNS, modules_loaded=samples["http"][-1][1],
            baseline_modules_loaded=samples["fastapi"][-1][1]),
        row("import plaza.http, config, stores.db, stores.cache (median)", _ms(samples["core"]),
            "ms", runs=RUNS, modules_loaded=samples["core"][-1][1],
            note="clients are imported on first use"),
        row("import the core + psycopg, redis (first store call; median)",
            _ms(samples["core+clients"]), "ms", runs=RUNS,
            modules_loaded=samples["core+clients"][-1][1]),
    ]


if __name__ == "__main__":
    for item in rows():
        print(item)
