"""Identity through the stack, as an app calls it: HTTP API, gateway authorizer, WebSocket."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from websockets.exceptions import InvalidStatus

from tests.support.deployment import Deployment
from tests.support.identity import E2E_PASSWORD, sign_up_and_in
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def source(deployment: Deployment) -> str | None:
    """This test's own source address (the auth routes are limited per IP)."""
    return deployment.user_address()


@pytest.fixture
def client(deployment: Deployment, source: str | None) -> Iterator[httpx.Client]:
    with deployment.client(source) as http:
        yield http


def _name() -> str:
    return f"e2e_{uuid.uuid4().hex[:12]}"


def _emailed_token(cloud: RunningCloud, to: str) -> str:
    """The token in the newest email the local cloud's SES accepted for `to` (its outbox); the
    email goes through EmailQueue, so it arrives a moment after the request."""
    def found() -> str | None:
        for entry in reversed(cloud.cloud.recorder.recent("outbox")):
            if to in entry.get("to", []):
                match = re.search(r"token=([A-Za-z0-9_-]+)", entry.get("body", ""))
                assert match, entry
                return match.group(1)
        return None

    return eventually(found)


def test_register_verify_login_me_refresh_then_reuse_is_refused(
        client: httpx.Client, main_cloud: RunningCloud) -> None:
    name, device = _name(), "e2e-phone-0001"
    registered = client.post("/v1/auth/register", json={
        "email": f"{name.upper()}@Example.edu", "password": E2E_PASSWORD, "username": name})
    assert registered.status_code == 201, registered.text
    assert registered.json()["user"]["email"] == f"{name}@example.edu"
    token = _emailed_token(main_cloud, f"{name}@example.edu")
    assert client.post("/v1/auth/verify-email", json={"token": token}).status_code == 204

    login = client.post("/v1/auth/login", headers={"x-device-id": device},
                        json={"email": f"{name}@example.edu", "password": E2E_PASSWORD})
    assert login.status_code == 200, login.text
    pair = login.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900

    me = client.get("/v1/auth/me", headers={"authorization": f"Bearer {pair['access_token']}",
                                            "x-device-id": device})
    assert me.status_code == 200, me.text
    assert me.json()["user"]["username"] == name
    assert me.json()["user"]["email_verified"] is True
    assert "ratelimit-limit" in me.headers

    rotated = client.post("/v1/auth/refresh", headers={"x-device-id": device},
                          json={"refresh_token": pair["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    reused = client.post("/v1/auth/refresh", headers={"x-device-id": device},
                         json={"refresh_token": pair["refresh_token"]})
    assert reused.status_code == 401
    assert reused.headers["content-type"] == "application/problem+json"
    # The reuse revoked the family: the token rotated in a moment ago is dead too.
    after = client.post("/v1/auth/refresh", headers={"x-device-id": device},
                        json={"refresh_token": rotated.json()["refresh_token"]})
    assert after.status_code == 401


def test_protected_route_without_a_token_is_refused_by_the_authorizer(
        client: httpx.Client) -> None:
    response = client.get("/v1/auth/me", headers={"x-device-id": "e2e-phone-0002"})
    assert response.status_code == 401
    assert client.get("/v1/auth/sessions").status_code == 401


def test_token_presented_from_another_device_is_forbidden(
        client: httpx.Client, deployment: Deployment, source: str | None) -> None:
    pair = sign_up_and_in(deployment.http_url, _name(), "e2e-phone-0003", source)
    response = client.get("/v1/auth/me", headers={
        "authorization": f"Bearer {pair['access_token']}", "x-device-id": "e2e-laptop-0003"})
    assert response.status_code == 403


def test_jwks_publishes_the_key_that_signs_access_tokens(
        client: httpx.Client, deployment: Deployment, source: str | None) -> None:
    pair = sign_up_and_in(deployment.http_url, _name(), "e2e-phone-0004", source)
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(pair["access_token"])["kid"]
    key = next(item for item in keys if item["kid"] == kid)
    assert key["kty"] == "EC" and "d" not in key
    public = jwt.PyJWK(key).key
    claims = jwt.decode(pair["access_token"], public, algorithms=["ES256"], audience="plaza-api")
    assert claims["did"] == "e2e-phone-0004"


def test_websocket_connect_needs_a_valid_token_for_the_device(
        deployment: Deployment, source: str | None) -> None:
    pair = sign_up_and_in(deployment.http_url, _name(), "e2e-phone-0005", source)
    with pytest.raises(InvalidStatus) as missing:
        deployment.socket(source=source)
    assert missing.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as other_device:
        deployment.socket(f"token={pair['access_token']}&device_id=e2e-laptop-0005", source)
    assert other_device.value.response.status_code == 401
    with deployment.socket(f"token={pair['access_token']}&device_id=e2e-phone-0005",
                           source) as socket:
        socket.send('{"action": "ping", "id": 1}')
        assert '"pong"' in str(socket.recv(timeout=10))
