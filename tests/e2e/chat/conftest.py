"""Chat users of the stack: a WebSocket member plus an HTTP client signed in as them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.support.deployment import Deployment
from tests.support.sockets import Member


class Chatter(Member):
    """A member who also calls the REST API on their first device."""

    def api(self, method: str, path: str, json: Any = None) -> httpx.Response:
        with self.http() as client:
            return client.request(method, path, json=json)


@pytest.fixture
def chatter(deployment: Deployment) -> Iterator[Callable[[str], Chatter]]:
    with ExitStack() as stack:
        yield lambda name: Chatter(deployment, stack, f"{name}_{uuid.uuid4().hex[:8]}")
