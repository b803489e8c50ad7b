"""Identity rows: login p50 (Argon2id as configured), the authorizer's cold start and warm p50,
and access-token verifications per second.

Runs in this process against the stores `make bench` uses (DATABASE_URL / REDIS_URL, else
embedded ones), with a generated ES256 keyset. Login includes the Argon2 verification, the
session and refresh-token writes and signing; the warm authorizer includes the Redis check of
the session (the gateway's own 60 s cache would hide even that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
LOGINS = 30
AUTHORIZATIONS = 2000
VERIFY_SECONDS = 1.0
DEVICE = "bench-device-0001"
PASSWORD = "bench passphrase 2026"  # noqa: S105 - a throwaway bench account


def _event(token: str) -> dict[str, Any]:
    return {"version": "2.0", "type": "REQUEST", "routeKey": "GET /v1/auth/me",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/v1/auth/me",
            "headers": {"authorization": f"Bearer {token}", "x-device-id": DEVICE}}


def _cold_authorizer_ms(token: str, environ: dict[str, str]) -> float:
    """A fresh interpreter: import the authorizer function and answer one event."""
    script = (
        "import time, json, sys\n"
        "started = time.perf_counter()\n"
        "sys.path[:0] = [sys.argv[1]]\n"
        "import authorizer\n"
        "result = authorizer.handler(json.loads(sys.argv[2]), None)\n"
        "assert result['isAuthorized'], result\n"
        "print((time.perf_counter() - started) * 1000)\n"
    )
    samples = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "functions" / "auth"),
             json.dumps(_event(token))],
            env={**environ, "PYTHONPATH": str(ROOT / "shared")}, capture_output=True, text=True,
            check=True)
        samples.append(float(done.stdout.strip().splitlines()[-1]))
    return report.median(samples)


def rows() -> list[dict[str, Any]]:
    keys_file = Path(tempfile.mkdtemp(prefix="plaza-bench-")) / "jwt-keys.json"
    with private_stores(STAGE="test", JWT_KEYS="", PLAZA_DEV_JWT_KEYS_FILE=str(keys_file),
                        AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_DEFAULT_REGION="us-east-1",
                        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - a dummy
                        POWERTOOLS_METRICS_NAMESPACE="Plaza") as stores:
        return _measure(stores, dict(os.environ))


def _measure(stores: Any, environ: dict[str, str]) -> list[dict[str, Any]]:

    from plaza import errors
    from plaza.identity import gateway, passwords, repo, service, tokens
    from plaza.identity.models import LoginIn, RegisterIn
    from plaza.stores import cache

    tokens.reset_keyset()
    cache.reset()
    name = f"bench_{int(time.time())}"
    try:
        user = service.register(RegisterIn(email=f"{name}@example.edu", password=PASSWORD,
                                           username=name))
        repo.mark_email_verified(user.id)
    except errors.Conflict:
        pass
    # The login throttle counts per IP: give each login its own address so none is locked.
    login_ms = []
    pair = None
    for number in range(LOGINS):
        started = time.perf_counter()
        pair = service.login(LoginIn(username=name, password=PASSWORD), DEVICE,
                             f"10.8.{number // 250}.{number % 250}")
        login_ms.append((time.perf_counter() - started) * 1000)
    assert pair is not None
    hash_ms = []
    for _ in range(10):
        started = time.perf_counter()
        passwords.hash_password(PASSWORD)
        hash_ms.append((time.perf_counter() - started) * 1000)

    event = _event(pair.access_token)
    assert gateway.authorize(event)["isAuthorized"]
    warm = []
    for _ in range(AUTHORIZATIONS):
        started = time.perf_counter()
        gateway.authorize(event)
        warm.append((time.perf_counter() - started) * 1000)
    keyset = tokens.keyset()
    verified, deadline = 0, time.perf_counter() + VERIFY_SECONDS
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        keyset.verify(pair.access_token, DEVICE)
        verified += 1
    per_second = verified / (time.perf_counter() - started)
    cold = _cold_authorizer_ms(pair.access_token, environ)
    argon = (f"Argon2id t={passwords.TIME_COST} m={passwords.MEMORY_COST_KIB // 1024} MiB "
             f"p={passwords.PARALLELISM}")
    cache.reset()
    return [
        report.row("identity: login p50", round(report.median(login_ms), 2), "ms",
                   note=f"{argon}; verify + session + refresh token + ES256 sign",
                   p90=round(sorted(login_ms)[int(len(login_ms) * 0.9)], 2)),
        report.row("identity: argon2id hash p50", round(report.median(hash_ms), 2), "ms",
                   note=argon),
        report.row("identity: authorizer warm p50", round(report.median(warm), 3), "ms",
                   note="ES256 verify + Redis session check",
                   p99=round(sorted(warm)[int(len(warm) * 0.99)], 3)),
        report.row("identity: authorizer cold start", round(cold, 1), "ms",
                   note="fresh interpreter: imports + first event (interpreter boot excluded)"),
        report.row("identity: token verifications", round(per_second), "per s",
                   note="ES256, one core, no session check"),
    ]
