"""An outage is never cached as a deny: while Postgres is down the authorizer fails the request
(500, which the gateway does not cache) instead of refusing the token (403, cached for 60 s), so
the first request after Postgres is back is authorized.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from websockets.exceptions import InvalidStatus

from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.private_stores import PrivateStores, deployment_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployment(private_cloud: RunningCloud) -> Deployment:
    return deployment_of(private_cloud)


@pytest.fixture(scope="module")
def apps(deployment: Deployment) -> Iterator[dict[str, SignedInApp]]:
    """Each test's user, signed in before any outage (the sign-up's own functions are not what
    these tests are about); each token not yet used, so the gateway has cached nothing for it."""
    suffix = uuid.uuid4().hex[:8]
    made = {name: SignedInApp(deployment, f"{name}_{suffix}") for name in ("http", "socket")}
    yield made
    for app in made.values():
        app.close()


def test_a_postgres_outage_is_a_500_and_the_first_request_after_it_is_authorized(
        private: PrivateStores, private_cloud: RunningCloud, apps: dict[str, SignedInApp]) -> None:
    app = apps["http"]
    # Postgres down and the session not in Redis: the authorizer cannot tell a live session
    # from a revoked one.
    _forget_session_state(private)
    private.stop_postgres()
    try:
        during = app.http.get("/v1/auth/me")
        assert during.status_code == 500, during.text
        assert during.json() == {"message": "Internal Server Error"}
    finally:
        private.start_postgres()

    after = app.http.get("/v1/auth/me")
    assert after.status_code == 200, (after.text, _recent_invocations(private_cloud))
    assert after.json()["user"]["username"] == app.username


def test_a_postgres_outage_fails_a_websocket_connect_with_500_not_403(
        private: PrivateStores, private_cloud: RunningCloud, deployment: Deployment,
        apps: dict[str, SignedInApp]) -> None:
    app = apps["socket"]
    token = app.http.headers["authorization"].removeprefix("Bearer ")
    query = f"token={token}&device_id={app.http.headers['x-device-id']}"
    _forget_session_state(private)
    private.stop_postgres()
    try:
        with pytest.raises(InvalidStatus) as refused:
            deployment.socket(query).close()
        assert refused.value.response.status_code == 500
    finally:
        private.start_postgres()

    with deployment.socket(query) as socket:
        socket.send('{"action": "ping"}')
        assert '"pong"' in str(socket.recv(timeout=15)), _recent_invocations(private_cloud)


def _forget_session_state(private: PrivateStores) -> None:
    """Drop the authorizer's Redis copy of every session's state: it must ask Postgres."""
    client = redis.Redis.from_url(private.redis.url)
    try:
        keys = list(client.scan_iter("authz:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _recent_invocations(cloud: RunningCloud) -> list[tuple[object, ...]]:
    """What the local cloud ran last: function, outcome, error (for a failure's message)."""
    return [(entry.get("function"), entry.get("status"), entry.get("error"))
            for entry in cloud.cloud.recorder.recent("invocation", 6)]
