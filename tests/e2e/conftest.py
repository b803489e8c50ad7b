"""e2e tests: HTTP and WebSocket clients against a Plaza stack, the way an app calls it.

The stack is the deployment PLAZA_API_URL and PLAZA_WS_URL name (`make e2e` against a deployed
stage or a second `make dev`); without them, a local cloud running the main template.yaml, per
module. Per module, not per session: two clouds cannot run at once in one process (they share
moto's in-process backends), and some modules start clouds of their own. It runs on the
session's stores; tests keep out of each other's way with unique usernames, not by truncating.

A test that reaches into the local cloud (its recorder, moto, queue names, the stores, plaza's
own modules in-process) is `local_only`: marked by hand, or found by the fixtures it uses. Those
skip, saying why, when the tests target a deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment, targeted
from tests.support.local_cloud import RunningCloud, running_local_cloud

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Fixtures that hand a test the local cloud's or the stores' internals.
LOCAL_FIXTURES = frozenset({"main_cloud", "cloud", "stores", "database_url", "redis_url",
                            "clean_stores", "redis_client", "connections_api"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "local_only: needs the local cloud's internals; skipped against a deployment")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    target = targeted()
    for item in items:
        path = Path(str(item.path))
        if HERE not in path.parents:
            continue
        internals = sorted(LOCAL_FIXTURES & set(getattr(item, "fixturenames", ())))
        if HERE / "localcloud" in path.parents:
            item.add_marker(pytest.mark.local_only(reason="tests the local cloud itself"))
        elif internals:
            item.add_marker(pytest.mark.local_only(reason=f"uses {', '.join(internals)}"))
        marker = item.get_closest_marker("local_only")
        if target is not None and marker is not None:
            why = marker.kwargs.get("reason", "needs the local cloud's internals")
            item.add_marker(pytest.mark.skip(reason=f"local only ({why}); "
                                                    f"targeting {target.http_url}"))


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as running:
        yield running


@pytest.fixture(scope="module")
def deployment(request: pytest.FixtureRequest) -> Deployment:
    """The stack under test: the targeted deployment, else this module's local cloud."""
    target = targeted()
    if target is not None:
        return target
    cloud: RunningCloud = request.getfixturevalue("main_cloud")
    stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    return Deployment(cloud.http_url, f"{cloud.websocket_url}/{stage}")
