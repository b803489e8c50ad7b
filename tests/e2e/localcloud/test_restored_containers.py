"""The local cloud restores containers instead of cold-starting them: each is a fork of the
function's pre-initialised process (init once, before-snapshot hooks run there, after-restore
hooks in each container), as SnapStart restores a snapshot. A connection opened at init is closed
before the snapshot and never shared by two restored containers; a save makes a new snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ProbeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: functions/
      Handler: probe.handler
      Timeout: 2
"""

# Init opens a Postgres connection (as a function that warms its client would) and notes the
# server process behind it; every invocation says which process and connection served it.
HANDLER = """\
import os
import random
import time

from plaza.stores import db

INIT_PID = os.getpid()
INIT_BACKEND = db.fetch_one("SELECT pg_backend_pid() AS pid")["pid"]
INIT_CONNECTION = db.connection()
VERSION = "one"
calls = 0


def handler(event, context):
    global calls
    calls += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "pid": os.getpid(), "parent": os.getppid(), "init_pid": INIT_PID,
        "init_backend": INIT_BACKEND, "init_connection_closed": INIT_CONNECTION.closed,
        "backend": db.fetch_one("SELECT pg_backend_pid() AS pid")["pid"],
        "calls": calls, "version": VERSION, "draw": random.random(),
        "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
    }
"""


@pytest.fixture(scope="module")
def probe_cloud(tmp_path_factory: pytest.TempPathFactory,
                stores: EmbeddedStores) -> Any:
    root = tmp_path_factory.mktemp("restored")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "functions").mkdir()
    (root / "functions" / "probe.py").write_text(HANDLER)
    with running_local_cloud(root / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[ROOT / "shared"],
                             watch=True) as running:
        yield root, running


def _invoke_concurrently(running: RunningCloud, count: int) -> list[dict[str, Any]]:
    runtime = running.cloud.runtime
    assert runtime is not None

    async def together() -> list[Any]:
        return list(await asyncio.gather(*(runtime.invoke("ProbeFunction", {"sleep": 0.3})
                                           for _ in range(count))))

    return running.run(together())


def test_containers_are_forked_from_one_initialised_process_and_never_share_its_connection(
        probe_cloud: Any) -> None:
    _, running = probe_cloud
    results = _invoke_concurrently(running, 3)
    snapshot = running.cloud.runtime.snapshots["ProbeFunction"]  # type: ignore[union-attr]
    assert snapshot.process is not None

    # Three containers, each a child of the one snapshot process that ran the init once.
    assert len({result["pid"] for result in results}) == 3
    assert {result["parent"] for result in results} == {snapshot.process.pid}
    assert {result["init_pid"] for result in results} == {snapshot.process.pid}
    # The init's connection was closed before the snapshot (the hook) ...
    assert all(result["init_connection_closed"] for result in results)
    # ... and each container reopened its own: none is the init's, no two are the same.
    backends = [result["backend"] for result in results]
    assert len(set(backends)) == 3
    assert results[0]["init_backend"] not in backends
    # Restored copies are reseeded and get their own log stream.
    assert len({result["draw"] for result in results}) == 3
    assert len({result["stream"] for result in results}) == 3


def test_a_restored_container_keeps_its_state_between_invocations(probe_cloud: Any) -> None:
    _, running = probe_cloud
    runtime = running.cloud.runtime
    first = running.run(runtime.invoke("ProbeFunction", {}))
    second = running.run(runtime.invoke("ProbeFunction", {}))
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1
    assert second["backend"] == first["backend"]


def test_a_timeout_kills_only_the_restored_container_not_the_snapshot(probe_cloud: Any) -> None:
    _, running = probe_cloud
    runtime = running.cloud.runtime
    running.run(runtime.invoke("ProbeFunction", {}))  # its snapshot exists, whatever ran before
    snapshot = runtime.snapshots["ProbeFunction"]
    from localcloud.runtime import FunctionTimeout

    with pytest.raises(FunctionTimeout):
        running.run(runtime.invoke("ProbeFunction", {"sleep": 5}))
    assert snapshot.alive and runtime.snapshots["ProbeFunction"] is snapshot
    after = running.run(runtime.invoke("ProbeFunction", {}))
    assert after["parent"] == snapshot.process.pid


def test_a_save_makes_a_new_snapshot_with_the_new_code(probe_cloud: Any) -> None:
    root, running = probe_cloud
    runtime = running.cloud.runtime
    running.run(runtime.invoke("ProbeFunction", {}))  # its snapshot exists, whatever ran before
    old = runtime.snapshots["ProbeFunction"]
    source = root / "functions" / "probe.py"
    source.write_text(source.read_text().replace('VERSION = "one"', 'VERSION = "two"'))

    # Made again in the background after the reload, before anything invokes the function.
    eventually(lambda: (runtime.snapshots.get("ProbeFunction") not in (None, old)
                        and runtime.snapshots["ProbeFunction"].alive), timeout=20)
    eventually(lambda: not old.alive, timeout=10)
    result = running.run(runtime.invoke("ProbeFunction", {}))
    assert result["version"] == "two"
    assert result["parent"] == runtime.snapshots["ProbeFunction"].process.pid
