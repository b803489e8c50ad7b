"""No lock-out by strangers, tried as an attacker would through the local cloud, with the real
per-IP budgets (this module's cloud does not relax RATE_LIMITS) and RequireVerifiedEmail on.

Each simulated user or attacker calls from its own loopback address (127.x.y.z), as the limits
are per address.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from localcloud.embedded import EmbeddedStores
from plaza.identity import passwords
from plaza.identity import repo as identity_repo
from tests.e2e.conftest import ROOT
from tests.support.identity import E2E_PASSWORD
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = [pytest.mark.e2e,
              pytest.mark.local_only(reason="runs a local cloud with the real budgets")]

WRONG = "not-the-password-at-all"
UNVERIFIED = "https://plaza.dev/problems/email-unverified"


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url,
                             extra_env={"REQUIRE_VERIFIED_EMAIL": "true"}) as running:
        yield running


def _client(cloud: RunningCloud, address: str) -> httpx.Client:
    return httpx.Client(base_url=cloud.http_url, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address))


def _register(cloud: RunningCloud, name: str, address: str) -> None:
    with _client(cloud, address) as client:
        reply = client.post("/v1/auth/register", json={
            "email": f"{name}@example.edu", "password": E2E_PASSWORD, "username": name})
        assert reply.status_code == 201, reply.text


def _login(client: httpx.Client, name: str, password: str,
           device: str = "e2e-phone-0001") -> httpx.Response:
    return client.post("/v1/auth/login", headers={"x-device-id": device},
                       json={"username": name, "password": password})


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def test_fifty_wrong_passwords_from_one_address_do_not_lock_the_owner_out(
        main_cloud: RunningCloud) -> None:
    alice = _name("alice")
    _register(main_cloud, alice, "127.0.9.10")
    failures = 0
    with _client(main_cloud, "127.0.9.9") as attacker:
        for _ in range(50):
            reply = _login(attacker, alice, WRONG)
            assert reply.status_code in (401, 429), reply.text
            if reply.status_code == 401:
                failures += 1
                continue
            # Truthful: never longer than the lock the last failure set (2 s after the sixth,
            # doubling with each failure after it).
            retry_after = int(reply.headers["retry-after"])
            assert 1 <= retry_after <= 2 ** (failures - 5), (failures, retry_after)
            assert reply.headers["content-type"] == "application/problem+json"
        assert 6 <= failures < 50
    with _client(main_cloud, "127.0.1.1") as owner:
        assert _login(owner, alice, E2E_PASSWORD).status_code == 200


def test_two_hundred_users_behind_one_nat_address_all_sign_in(main_cloud: RunningCloud) -> None:
    names = [_name(f"student{number}") for number in range(200)]
    # Accounts made straight in Postgres with one Argon2 hash of the shared password: sign-up has
    # its own tests, and 200 of them through the gateway would cost 200 more hashes.
    digest = passwords.hash_password(E2E_PASSWORD)
    for name in names:
        identity_repo.insert_user(name, f"{name}@example.edu", name, digest)
    with _client(main_cloud, "127.0.3.4") as campus:
        statuses = [_login(campus, name, E2E_PASSWORD).status_code for name in names]
        # A few typos from the same address are failures, below the address's bar.
        typos = [_login(campus, name, WRONG).status_code for name in names[:10]]
    assert statuses == [200] * 200
    assert typos == [401] * 10


def test_forgot_password_answers_and_queues_alike_for_existing_and_missing_accounts(
        main_cloud: RunningCloud) -> None:
    alice = _name("alice")
    _register(main_cloud, alice, "127.0.7.1")
    existing, missing = f"{alice}@example.edu", f"ghost_{alice}@example.edu"

    def reset_outcomes(after: int) -> list[str]:
        """What the EmailQueue's consumer did with each reset message, in invocations after
        seq `after` (its log line per message: template and outcome)."""
        return sorted(re.search(r'"outcome":\s*"(\w+)"', line).group(1)  # type: ignore[union-attr]
                      for entry in main_cloud.cloud.recorder.recent("invocation", limit=500)
                      if entry["seq"] > after and entry["function"] == "AuthSendEmailFunction"
                      for line in entry["logs"]
                      if "reset_password" in line and re.search(r'"outcome":\s*"\w+"', line))

    mark = max((r["seq"] for r in main_cloud.cloud.recorder.recent("invocation", limit=1)),
               default=0)
    with _client(main_cloud, "127.0.7.2") as client:
        for email in (existing, missing):
            reply = client.post("/v1/auth/password/forgot", json={"email": email})
            assert (reply.status_code, reply.content) == (202, b"")
    # One queued message each: the route did the same work for both; the consumer looked the
    # accounts up and found one.
    assert eventually(lambda: reset_outcomes(mark) if len(reset_outcomes(mark)) >= 2 else None) \
        == ["no_recipient", "sent"]

    def outbox_to(address: str) -> list[dict[str, Any]]:
        return [entry for entry in main_cloud.cloud.recorder.recent("outbox")
                if address in entry.get("to", []) and "reset" in entry.get("subject", "").lower()]

    # ... and only the consumer, which looked the account up, wrote to the existing one.
    assert len(outbox_to(existing)) == 1
    assert outbox_to(missing) == []


def test_an_unverified_account_reads_but_cannot_write_or_connect_until_it_verifies(
        main_cloud: RunningCloud) -> None:
    name, device = _name("newbie"), "e2e-phone-0002"
    _register(main_cloud, name, "127.0.8.1")
    with _client(main_cloud, "127.0.8.2") as client:
        pair = _login(client, name, E2E_PASSWORD, device).json()
        auth = {"authorization": f"Bearer {pair['access_token']}", "x-device-id": device}
        assert client.get("/v1/auth/me", headers=auth).status_code == 200
        refused = client.post("/v1/posts", headers=auth, json={"text": "hello"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == UNVERIFIED
        url = f"{main_cloud.websocket_url}/dev?token={pair['access_token']}&device_id={device}"
        with pytest.raises(InvalidStatus) as rejected:
            connect(url, open_timeout=30).close()
        assert rejected.value.response.status_code == 403
        assert json.loads(rejected.value.response.body)["type"] == UNVERIFIED

        entry = eventually(lambda: next(
            (e for e in reversed(main_cloud.cloud.recorder.recent("outbox"))
             if f"{name}@example.edu" in e.get("to", [])), None))
        token = entry["body"].split("token=", 1)[1].split()[0]
        assert client.post("/v1/auth/verify-email", json={"token": token}).status_code == 204
        fresh = client.post("/v1/auth/refresh", headers={"x-device-id": device},
                            json={"refresh_token": pair["refresh_token"]}).json()
        auth["authorization"] = f"Bearer {fresh['access_token']}"
        assert client.post("/v1/posts", headers=auth, json={"text": "hello"}).status_code == 201
        url = f"{main_cloud.websocket_url}/dev?token={fresh['access_token']}&device_id={device}"
        with connect(url, open_timeout=30) as socket:
            socket.send(json.dumps({"action": "ping", "id": 1}))
            assert json.loads(socket.recv(timeout=10))["type"] == "pong"
