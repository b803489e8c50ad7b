"""The redirect's cold start: GET /l/{code} imports no pydantic, no ua-parser (the click consumer
parses user agents) and no client library until a request uses one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = {"pydantic", "ua_parser", "psycopg", "redis", "upstash_redis", "httpx", "boto3",
         "botocore", "aws_lambda_powertools", "jwt"}


def _loaded_after(function: str) -> set[str]:
    paths = [str(ROOT / "functions" / "links"), str(ROOT / "shared")]
    script = (f"import sys; sys.path[:0] = {paths!r}\nimport {function}\n"
              "import json; print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(json.loads(done.stdout))


def test_the_redirect_imports_no_pydantic_ua_parser_or_client_library() -> None:
    assert _loaded_after("redirect") & HEAVY == set()


def test_the_click_consumer_loads_ua_parser_only_when_a_click_arrives() -> None:
    assert "ua_parser" not in _loaded_after("record_clicks")
