"""Start-up rows: what a cold start costs a fresh interpreter and a restored (forked) local
container, the local cloud's first request to a function, `make dev` from start to ready (first
run and warm restart), and the layer's init import time per function group.

Restored: the local cloud's snapshot of the function (handler imported, before-snapshot hooks
run) is ready; each sample retires the function's containers, so the invocation forks a new
one (after-restore hooks, then the first event). Timed from the runtime's invoke to its result,
control pipes included. The fresh-interpreter and FastAPI + Mangum columns come from
bench/cold_start.py's method (a new interpreter importing the handler and answering one event).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import cold_start
from bench.report import median, row

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
GOAL_RESTORED_MS = 30.0
GOAL_FIRST_REQUEST_MS = 20.0
GOAL_READY_MS = 2000.0
SERVERLESS_OFFLINE_READY_MS = 2300.0  # the peer figure (issue 18), same machine
DEVICE = "bench-startup-0001"
RATE_LIMITS = "auth=100000/60,core=100000/60,media=100000/60"


# ---------------------------------------------------------------- restored containers (in-process)

async def _restored(cloud: Any, function: str, event: dict[str, Any], runs: int) -> list[float]:
    runtime = cloud.runtime
    await runtime.snapshot(runtime.spec(function))
    await runtime.invoke(function, event)  # pages and bytecode warm, as after the first use
    samples = []
    for _ in range(runs):
        await runtime.pools[function].retire_idle()
        started = time.perf_counter()
        await runtime.invoke(function, event)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _first_requests(cloud: Any, runs: int) -> dict[str, list[float]]:
    import httpx

    runtime = cloud.runtime
    url = cloud.endpoints.http_url
    samples: dict[str, list[float]] = {"restored": [], "snapshot cold": []}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await client.get("/health")).status_code == 200
        for _ in range(runs):
            await runtime.pools["HealthLiveFunction"].retire_idle()
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            samples["restored"].append((time.perf_counter() - started) * 1000)
        for _ in range(3):
            # No snapshot: the first request imports, as every container did before snapshots.
            runtime.forget_snapshot(runtime.snapshots["HealthLiveFunction"])
            await runtime.pools["HealthLiveFunction"].retire_idle()
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            samples["snapshot cold"].append((time.perf_counter() - started) * 1000)
    return samples


async def _token(cloud: Any) -> str:
    import httpx

    name = f"startup{int(time.time())}"
    async with httpx.AsyncClient(base_url=cloud.endpoints.http_url, timeout=30,
                                 headers={"x-device-id": DEVICE}) as client:
        registered = await client.post("/v1/auth/register", json={
            "username": name, "email": f"{name}@example.edu", "password": "bench passphrase 2026"})
        assert registered.status_code in (200, 201), registered.text
        login = await client.post("/v1/auth/login", json={
            "username": name, "password": "bench passphrase 2026"})
        assert login.status_code == 200, login.text
        return str(login.json()["access_token"])


async def _in_cloud(database_url: str, redis_url: str) -> dict[str, Any]:
    from localcloud.cloud import LocalCloud, LocalCloudConfig

    cloud = LocalCloud(LocalCloudConfig(
        template=ROOT / "template.yaml", http_port=0, websocket_port=0, aws_port=0,
        database_url=database_url, redis_url=redis_url, echo_logs=False,
        extra_env={"RATE_LIMITS": RATE_LIMITS}))
    await cloud.start()
    try:
        token = await _token(cloud)
        ready_event = json.loads((ROOT / "events" / "health" / "ready.json").read_text())
        authorizer_event = {"version": "2.0", "type": "REQUEST", "routeKey": "GET /v1/auth/me",
                            "headers": {"authorization": f"Bearer {token}",
                                        "x-device-id": DEVICE}}
        result = await cloud.runtime.invoke("AuthAuthorizerFunction", authorizer_event)
        assert result["isAuthorized"], result
        return {
            "ready": await _restored(cloud, "HealthReadyFunction", ready_event, RUNS),
            "authorizer": await _restored(cloud, "AuthAuthorizerFunction", authorizer_event, RUNS),
            "first": await _first_requests(cloud, RUNS),
            "authorizer_event": authorizer_event,
        }
    finally:
        await cloud.stop()


# ---------------------------------------------------------------- fresh interpreters

AUTHORIZER_CHILD = """\
import time
started = time.perf_counter()
import json, sys
sys.path[:0] = {paths!r}
import authorizer
result = authorizer.handler(json.loads({event!r}), None)
assert result["isAuthorized"], result
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""


def _fresh_authorizer(env: dict[str, str], event: dict[str, Any], runs: int) -> list[float]:
    code = AUTHORIZER_CHILD.format(paths=[str(ROOT / "functions" / "auth"), str(ROOT / "shared")],
                                   event=json.dumps(event))
    samples = []
    for number in range(runs + 1):
        done = subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True,
                              text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"the authorizer failed:\n{done.stderr[-2000:]}")
        if number:  # the first fills __pycache__ and the page cache
            samples.append(float(json.loads(done.stdout.strip().splitlines()[-1])["ms"]))
    return samples


# ---------------------------------------------------------------- make dev

def _dev_ready_ms(data_dir: Path, extra: list[str]) -> tuple[float, float, str]:
    """(ms the banner says, ms from the command to the banner, the output) of one
    `python -m localcloud` on `data_dir`; it is stopped with Ctrl-C (SIGINT) afterwards."""
    from localcloud.embedded import free_port

    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "MEILI_URL")}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-watch", "--quiet", "--data-dir", str(data_dir),
         "--http-port", str(free_port()), "--ws-port", str(free_port()),
         "--aws-port", str(free_port()), *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "ready in" in line:
                wall = (time.perf_counter() - started) * 1000
                match = re.search(r"ready in (\d+) ms", line)
                assert match is not None
                ready = float(match.group(1))
            if "AWS services and event sources ready" in line:
                aws = re.search(r"\((\d+) ms after start\)", line)
                assert aws is not None
                return ready, wall, "".join(output) + f"\naws_ready_ms={aws.group(1)}"
        raise RuntimeError("python -m localcloud exited before it was ready:\n" + "".join(output))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _make_dev(runs: int = 3) -> dict[str, Any]:
    parent = Path(tempfile.mkdtemp(prefix="plaza-bench-dev-"))
    parent.chmod(0o711)  # as a checkout's: the cluster's user (postgres, as root) passes
    data_dir = parent / "data"
    try:
        first, first_wall, output = _dev_ready_ms(data_dir, [])
        steps = [line.strip() for line in output.splitlines() if line.startswith("[localcloud]")]
        warm = [_dev_ready_ms(data_dir, []) for _ in range(runs)]
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    return {"first": first, "first_wall": first_wall, "steps": steps,
            "warm": [ms for ms, _, _ in warm], "warm_wall": [wall for _, wall, _ in warm],
            "warm_aws": [_aws_ms(text) for _, _, text in warm]}


def _aws_ms(output: str) -> float:
    return float(output.rsplit("aws_ready_ms=", 1)[1])


# ---------------------------------------------------------------- init import per group

IMPORT_CHILD = """\
import time
started = time.perf_counter()
import importlib, json, sys
sys.path[:0] = {paths!r}
importlib.import_module({module!r})
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000, "modules": len(sys.modules)}}))
"""


def _init_imports() -> dict[str, list[tuple[str, float]]]:
    """Each function's handler import in a fresh interpreter (its init: what its snapshot
    holds), by group (functions/<area>)."""
    from localcloud.template.loading import load_stack
    from localcloud.template.resolver import LocalEndpoints

    stack = load_stack(ROOT / "template.yaml", environment="dev", endpoints=LocalEndpoints(
        http_url="http://127.0.0.1:9", websocket_url="ws://127.0.0.1:9",
        aws_endpoint="http://127.0.0.1:9"))
    groups: dict[str, list[tuple[str, float]]] = {}
    for spec in stack.functions.values():
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        env.update({key: value for key, value in spec.environment.items()
                    if not value.startswith(("ssm:", "secretsmanager:"))})
        env.update(STAGE="local", POWERTOOLS_METRICS_DISABLED="true")
        module = spec.handler.rsplit(".", 1)[0]
        code = IMPORT_CHILD.format(paths=[str(spec.code_dir), str(ROOT / "shared")], module=module)
        done = subprocess.run([sys.executable, "-I", "-c", code], env=env, cwd=spec.code_dir,
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            continue
        ms = float(json.loads(done.stdout.strip().splitlines()[-1])["ms"])
        group = spec.code_dir.relative_to(ROOT).as_posix()
        groups.setdefault(group, []).append((spec.logical_id, ms))
    return groups


# ---------------------------------------------------------------- rows

def rows() -> list[dict[str, Any]]:
    from localcloud.embedded import EmbeddedStores
    from plaza.stores import migrations

    stores = EmbeddedStores.start()
    try:
        import psycopg

        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            migrations.apply(conn)
        measured = asyncio.run(_in_cloud(stores.database_url, stores.redis_url))
        env = cold_start.child_env(stores.database_url, stores.redis_url)
        samples = cold_start.measure(env, runs=RUNS)
        # The local cloud's functions sign and verify with the dev keyset (STAGE local).
        keys_env = {**env, "STAGE": "local", "JWT_KEYS": "", "JWT_PUBLIC_KEYS": ""}
        fresh_authorizer = _fresh_authorizer(keys_env, measured["authorizer_event"], RUNS)
    finally:
        stores.stop()
    dev = _make_dev()
    groups = _init_imports()

    # The machine's load while this topic ran: on a shared machine it stretches every row.
    load = round(os.getloadavg()[0], 1)
    ready_restored = median(measured["ready"])
    authorizer_restored = median(measured["authorizer"])
    first = measured["first"]
    result = [
        row("start-up: GET /health/ready cold start, restored local container (median)",
            round(ready_restored, 1), "ms", round(median(samples["baseline"]["first"]), 1),
            goal=f"<= {GOAL_RESTORED_MS:g} ms", ok=ready_restored <= GOAL_RESTORED_MS, runs=RUNS,
            fresh_interpreter_ms=round(median(samples["ours"]["first"]), 1),
            baseline_is="FastAPI + Mangum in a fresh interpreter (bench/baseline_fastapi_ready.py)",
            note="fork of the snapshot + after-restore hooks + first event (new Postgres and "
                 "Redis connections), through the control pipes"),
        row("start-up: authorizer cold start, restored local container (median)",
            round(authorizer_restored, 1), "ms", goal=f"<= {GOAL_RESTORED_MS:g} ms",
            ok=authorizer_restored <= GOAL_RESTORED_MS, runs=RUNS,
            fresh_interpreter_ms=round(median(fresh_authorizer), 1),
            note="a valid ES256 token, session checked in Redis; fresh interpreter: import + "
                 "first verify (interpreter boot excluded)"),
        row("start-up: authorizer cold start, fresh interpreter (median)",
            round(median(fresh_authorizer), 1), "ms", runs=RUNS,
            was_ms=237.1, note="import + first verify; was 237.1 ms with PyJWT verifying"),
        row("start-up: local cloud first request GET /health, restored container (median)",
            round(median(first["restored"]), 1), "ms", goal=f"<= {GOAL_FIRST_REQUEST_MS:g} ms",
            ok=median(first["restored"]) <= GOAL_FIRST_REQUEST_MS, runs=RUNS,
            note="HTTP client to response; the function's snapshot is ready (made at first use "
                 "or in the background after a save)"),
        row("start-up: local cloud first request GET /health, no snapshot yet (median)",
            round(median(first["snapshot cold"]), 1), "ms", runs=3,
            note="the very first call of a function: its snapshot's init, then the fork; was "
                 "78-86 ms for a fresh interpreter per container"),
        row("start-up: make dev start to ready, warm restart (median)",
            round(median(dev["warm"]), 1), "ms", SERVERLESS_OFFLINE_READY_MS,
            goal=f"<= {GOAL_READY_MS:g} ms", ok=median(dev["warm"]) <= GOAL_READY_MS, runs=3,
            wall_ms=round(median(dev["warm_wall"]), 1),
            aws_ready_ms=round(median(dev["warm_aws"]), 1),
            baseline_is="serverless-offline's start to ready on the same machine (issue 18)",
            note="data kept in the data directory; no initdb, no migrations to apply, no demo "
                 "seed; the APIs answer at the banner; aws_ready_ms: the AWS services (moto) and "
                 "event sources, started after the banner; wall_ms adds the interpreter's start"),
        row("start-up: make dev start to ready, first run (empty data directory)",
            round(dev["first"], 1), "ms", runs=1, wall_ms=round(dev["first_wall"], 1),
            steps="; ".join(step for step in dev["steps"] if "..." in step)),
    ]
    for group, functions in sorted(groups.items()):
        values = [ms for _, ms in functions]
        slowest = max(functions, key=lambda item: item[1])
        result.append(row(f"start-up: init import, {group} (median of its functions)",
                          round(statistics.median(values), 1), "ms", functions=len(values),
                          slowest=f"{slowest[0]} {slowest[1]:.1f} ms",
                          note="fresh interpreter: the handler module's import, what its "
                               "snapshot holds (clients stay lazy)"))
    for item in result:
        item["load_1min"] = load
    return result


if __name__ == "__main__":
    for item in rows():
        print(item)
