"""GET /health: liveness answers without touching, or even importing, any store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.lambdas import ROOT, FakeContext, http_event, load_function


def test_live_answers_ok_as_json() -> None:
    module = load_function("functions/health/live.py")
    response = module.handler(http_event("GET", "/health"), FakeContext())
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert json.loads(response["body"]) == {"status": "ok"}


def test_live_loads_no_store_client_and_works_without_any_store() -> None:
    script = (
        "import json, sys\n"
        "from tests.support.lambdas import FakeContext, http_event, load_function\n"
        "fn = load_function('functions/health/live.py')\n"
        "status = fn.handler(http_event('GET', '/health'), FakeContext())['statusCode']\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "                ('psycopg', 'redis', 'upstash_redis', 'meilisearch')\n"
        "                or m.startswith('plaza.stores'))\n"
        "print(json.dumps({'status': status, 'loaded': loaded}))\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}",
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"status": 200, "loaded": []}
