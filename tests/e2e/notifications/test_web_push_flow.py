"""Web Push through the stack: a browser's subscription registered with PUT
/v1/devices/{id}/push-token gets the notification an offline user is sent, pushed by the real
pywebpush code to a push service stand-in that verifies the VAPID signature and decrypts the
aes128gcm payload; a subscription the service answers 410 for is deleted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import pytest
from py_vapid import Vapid, b64urlencode

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually
from tests.support.push_service import PushService, start_push_service
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.local_only(reason="runs its own push service")]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    service = start_push_service()
    yield service
    service.server.shutdown()


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores, push_service: PushService) -> Iterator[RunningCloud]:
    """This module's cloud: a VAPID key of its own, and the stand-in as an allowed push service."""
    vapid = Vapid()
    vapid.generate_keys()
    private = b64urlencode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    env = {"RATE_LIMITS": "auth=100000/60,core=100000/60,media=100000/60",
           "WEB_PUSH_VAPID": json.dumps({"private_key": private,
                                         "subject": "mailto:ops@plaza.dev"}),
           "WEB_PUSH_HOSTS": "127.0.0.1"}
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, extra_env=env) as running:
        yield running


@pytest.fixture
def people(deployment: Deployment) -> Iterator[Callable[[str], Member]]:
    with ExitStack() as stack:
        yield lambda name: Member(deployment, stack, f"{name}_{uuid.uuid4().hex[:8]}")


def _push_tokens(database_url: str, user_id: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        return [(row[0], row[1]) for row in conn.execute(
            "SELECT platform, token FROM push_tokens WHERE user_id = %s", (user_id,))]


def test_an_offline_user_gets_a_web_push_the_service_can_verify_and_decrypt(
        main_cloud: RunningCloud, push_service: PushService, stores: EmbeddedStores,
        people: Callable[[str], Member]) -> None:
    ann, bob = people("ann"), people("bob")
    browser = push_service.subscribe()
    with bob.http() as bob_http, ann.http() as ann_http:
        device = next(iter(bob.devices))
        registered = bob_http.put(f"/v1/devices/{device}/push-token", json=browser.to_json())
        assert registered.status_code == 204, registered.text
        assert _push_tokens(stores.database_url, bob.id) == [("webpush", browser.endpoint)]
        assert ann_http.put(f"/v1/users/{bob.username}/follow").status_code == 204

    def pushed() -> list[dict[str, Any]]:
        return [p for p in push_service.received if p["endpoint"] == browser.endpoint]

    [push] = eventually(pushed)
    assert push_service.refused == []
    assert push["claims"]["sub"] == "mailto:ops@plaza.dev"
    assert push["payload"]["body"] == f"{ann.username} followed you"
    assert push["payload"]["data"]["kind"] == "follow"


def test_a_subscription_the_push_service_says_is_gone_is_deleted(
        main_cloud: RunningCloud, push_service: PushService, stores: EmbeddedStores,
        people: Callable[[str], Member]) -> None:
    cid, dan = people("cid"), people("dan")
    browser = push_service.subscribe(gone=True)
    with cid.http() as cid_http, dan.http() as dan_http:
        device = next(iter(cid.devices))
        assert cid_http.put(f"/v1/devices/{device}/push-token",
                            json=browser.to_json()).status_code == 204
        assert _push_tokens(stores.database_url, cid.id) == [("webpush", browser.endpoint)]
        assert dan_http.put(f"/v1/users/{cid.username}/follow").status_code == 204
    eventually(lambda: _push_tokens(stores.database_url, cid.id) == [])
    assert push_service.refused == []


def test_a_subscription_to_an_unknown_push_service_or_malformed_is_refused(
        main_cloud: RunningCloud, push_service: PushService,
        people: Callable[[str], Member]) -> None:
    eve = people("eve")
    good = push_service.subscribe().to_json()
    with eve.http() as http:
        device = next(iter(eve.devices))
        for body in ({**good, "endpoint": "https://169.254.169.254/latest/meta-data"},
                     {**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}},
                     {**good, "extra": 1}):
            refused = http.put(f"/v1/devices/{device}/push-token", json=body)
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
        other = http.put("/v1/devices/someone-elses-device/push-token", json=good)
        assert other.status_code == 403
