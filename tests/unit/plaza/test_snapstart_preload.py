"""plaza.snapstart's before-snapshot hook loads the client libraries the function's stores import
lazily (so a restored container's first request does not pay for them): those its settings
name, and no other."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """\
import json, sys
from plaza import snapstart
lazy = ("psycopg", "redis", "upstash_redis")
before = [name for name in lazy if name in sys.modules]
snapstart.before_snapshot()
print(json.dumps({"before": before, "after": [name for name in lazy if name in sys.modules]}))
"""


def test_the_snapshot_holds_the_configured_clients_libraries_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT / "shared"), "STAGE": "test",
             "DATABASE_URL": "postgresql://127.0.0.1:9/plaza", "REDIS_URL": "redis://127.0.0.1:9/0"})
    loaded = json.loads(done.stdout)
    assert loaded == {"before": [], "after": ["psycopg", "redis"]}
