"""Fault tests: each module takes down stores of its own, never the session's (other tests use
those, in random order). `private` is the module's Postgres and Redis, `private_cloud` the main
template running on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.local_cloud import RunningCloud
from tests.support.private_stores import PrivateStores, cloud_on, private_stores


@pytest.fixture(scope="module")
def private() -> Iterator[PrivateStores]:
    with private_stores() as started:
        yield started


@pytest.fixture(scope="module")
def private_cloud(private: PrivateStores) -> Iterator[RunningCloud]:
    with cloud_on(private) as running:
        yield running
