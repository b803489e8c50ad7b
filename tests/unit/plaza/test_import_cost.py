"""Cold start: importing the layer's core or a function loads no client library until it is used.

Each case runs in a fresh interpreter, as a Lambda container starts, since this process has long
imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = {"psycopg", "redis", "upstash_redis", "httpx", "meilisearch", "aws_lambda_powertools",
           "pydantic", "pydantic_settings", "boto3", "botocore", "jwt"}


def _loaded_after(code_dir: Path | None, imports: str) -> set[str]:
    paths = [str(path) for path in (code_dir, ROOT / "shared") if path is not None]
    script = (f"import sys; sys.path[:0] = {paths!r}\n{imports}\n"
              "import json; print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("imports", [
    "import plaza.http, plaza.config, plaza.errors, plaza.observability, plaza.health",
    "import plaza.stores.db, plaza.stores.cache, plaza.stores.search",
])
def test_the_layer_core_imports_no_client_library(imports: str) -> None:
    assert _loaded_after(None, imports) & CLIENTS == set()


def test_the_readiness_function_loads_its_clients_only_when_invoked() -> None:
    assert _loaded_after(ROOT / "functions" / "health", "import ready") & CLIENTS == set()


def test_the_liveness_function_imports_nothing_beyond_the_standard_library_basics() -> None:
    loaded = _loaded_after(ROOT / "functions" / "health", "import live")
    assert loaded & CLIENTS == set()
    # dataclasses pulls in inspect (~15 ms); plaza.http keeps it off the liveness path.
    assert {"dataclasses", "inspect", "uuid", "decimal"} & loaded == set()
