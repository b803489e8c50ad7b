"""Cold start of the auth functions: each imports only the libraries its route needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
HEAVY = {"jwt", "cryptography", "argon2", "redis", "psycopg", "pydantic", "boto3"}


def _loaded_by(module: str) -> set[str]:
    paths = [str(ROOT / "functions" / "auth"), str(ROOT / "shared")]
    script = (f"import sys; sys.path[:0] = {paths!r}\nimport {module}\n"
              "import json; print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(json.loads(done.stdout)) & HEAVY


def test_the_authorizer_loads_its_libraries_on_first_use() -> None:
    assert _loaded_by("authorizer") == set()


@pytest.mark.parametrize("module", ["me", "logout", "sessions_list", "session_delete"])
def test_routes_that_only_read_the_caller_skip_token_and_password_libraries(module: str) -> None:
    assert _loaded_by(module) & {"jwt", "cryptography", "argon2", "boto3"} == set()
