"""Chat users of the local cloud: a WebSocket member plus an HTTP client signed in as them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.support.local_cloud import RunningCloud
from tests.support.sockets import Member


class Chatter(Member):
    """A member who also calls the REST API on their first device."""

    def api(self, method: str, path: str, json: Any = None) -> httpx.Response:
        device = next(iter(self.devices))
        with httpx.Client(base_url=self.cloud.http_url, timeout=30) as client:
            return client.request(method, path, json=json, headers={
                "authorization": f"Bearer {self.token}", "x-device-id": device})


@pytest.fixture
def chatter(main_cloud: RunningCloud) -> Iterator[Callable[[str], Chatter]]:
    with ExitStack() as stack:
        yield lambda name: Chatter(main_cloud, stack, f"{name}_{uuid.uuid4().hex[:8]}")
