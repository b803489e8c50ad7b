"""Run a LocalCloud in a background thread with its own event loop, for e2e tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from localcloud.cloud import LocalCloud, LocalCloudConfig

T = TypeVar("T")


class RunningCloud:
    """A started LocalCloud plus a way to run coroutines on its loop from the test thread."""

    def __init__(self, cloud: LocalCloud, loop: asyncio.AbstractEventLoop) -> None:
        self.cloud = cloud
        self.loop = loop

    @property
    def http_url(self) -> str:
        return self.cloud.endpoints.http_url

    @property
    def websocket_url(self) -> str:
        return self.cloud.endpoints.websocket_url

    @property
    def aws_endpoint(self) -> str:
        return self.cloud.endpoints.aws_endpoint

    def aws_client(self, service: str) -> Any:
        """A boto3 client for `service` on this cloud's local AWS endpoint (moto's), with the
        credentials and region the cloud gives its functions."""
        import boto3

        env = self.cloud.aws_env
        return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"],
                            region_name=env["AWS_DEFAULT_REGION"],
                            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@contextmanager
def running_local_cloud(template: Path, **options: Any) -> Iterator[RunningCloud]:
    """Start a LocalCloud for `template` on free ports; stop everything afterwards."""
    options.setdefault("http_port", 0)
    options.setdefault("websocket_port", 0)
    options.setdefault("aws_port", 0)
    options.setdefault("echo_logs", False)
    # Every e2e request comes from 127.0.0.1 and Redis outlives a module: the production limits
    # (10 logins a minute per IP) would throttle the suite itself. Rate-limit tests pass their own.
    options.setdefault("extra_env", {"RATE_LIMITS": "auth=100000/60,core=100000/60,media=100000/60"})
    cloud = LocalCloud(LocalCloudConfig(template=template, **options))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="local-cloud", daemon=True)
    thread.start()
    running = RunningCloud(cloud, loop)
    try:
        running.run(cloud.start(), timeout=120)
        yield running
    finally:
        try:
            running.run(cloud.stop(), timeout=60)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
