"""Containers left idle are retired, as Lambda reclaims idle environments: the local cloud's
process count falls back instead of growing with every function ever called."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: functions/
      Handler: echo.handler
"""

HANDLER = """\
import time


def handler(event, context):
    time.sleep(event.get("hold", 0))
    return event
"""


def test_idle_containers_are_retired_and_the_next_call_starts_cold(
        tmp_path: Path, stores: EmbeddedStores) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "echo.py").write_text(HANDLER)
    with running_local_cloud(tmp_path / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[],
                             container_idle_s=0.5) as running:
        runtime = running.cloud.runtime
        assert runtime is not None

        async def three_at_once() -> list[object]:
            return list(await asyncio.gather(*(runtime.invoke("EchoFunction", {"hold": 0.3})
                                               for _ in range(3))))

        assert running.run(three_at_once()) == [{"hold": 0.3}] * 3
        pool = runtime.pools["EchoFunction"]
        processes = [container.process for container in pool.live]
        assert len(processes) == 3

        # A pool drops its idle containers at once; the runtime counts them once they stopped.
        eventually(lambda: runtime.container_count() == 0 and runtime.retired == 3, timeout=30)
        assert not pool.live and not pool.idle
        assert all(process is not None and process.returncode is not None
                   for process in processes)

        assert running.run(runtime.invoke("EchoFunction", {"again": True})) == {"again": True}
        last = running.cloud.recorder.recent("invocation", limit=1)[0]
        assert last["cold"] is True

