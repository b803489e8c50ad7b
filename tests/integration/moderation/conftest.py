"""Moderation tests: clean stores, the notifications queue in moto, and users in any role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.admin import repo as admin_repo
from plaza.identity import repo as identity_repo
from plaza.stores import cache
from tests.support.lambdas import FakeContext, http_event, load_function
from tests.support.moto import moto_queue

PHONE = "phone-0000-aaaa"


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Notifications:
    sqs: Any
    url: str

    def drain(self) -> list[dict[str, Any]]:
        """Every notification queued so far (each received once)."""
        found: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=0).get("Messages", []):
            found += [json.loads(message["Body"]) for message in batch]
            for message in batch:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return found


@pytest.fixture
def notifications(clean_stores: EmbeddedStores,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Notifications]:
    monkeypatch.delenv("REPORTS_AUTO_HIDE_AT", raising=False)
    config.reset_settings()
    cache.reset()
    with moto_queue(monkeypatch, "notifications", "NOTIFICATIONS_QUEUE_URL") as (sqs, url):
        yield Notifications(sqs, url)
    cache.reset()


Person = dict[str, str]
MakePerson = Callable[..., Person]


@pytest.fixture
def person(notifications: Notifications) -> MakePerson:
    """person(name, role="user"): an account, as the authorizer's context of its caller."""

    def make(name: str, role: str = "user") -> Person:
        row = identity_repo.insert_user(name, f"{name}@example.edu", name.title(), "not-a-hash")
        admin_repo.set_role(str(row["id"]), role)
        return {"user_id": str(row["id"]), "role": role, "device_id": PHONE,
                "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}

    return make


Report = Callable[..., Reply]


@pytest.fixture
def report(notifications: Notifications) -> Report:
    """report(who, target_type, target_id, reason="spam", note=None): POST /v1/reports."""
    module = load_function("functions/reports/create.py")

    def invoke(who: Person, target_type: str, target_id: str, reason: str = "spam",
               note: str | None = None) -> Reply:
        body: dict[str, Any] = {"target_type": target_type, "target_id": target_id, "reason": reason}
        if note is not None:
            body["note"] = note
        event = http_event("POST", "/v1/reports", body=body, authorizer=who,
                           route_key="POST /v1/reports")
        result = module.handler(event, FakeContext())
        return Reply(result["statusCode"], json.loads(result.get("body") or "null"))

    return invoke


Admin = Callable[..., Reply]


@pytest.fixture
def admin(notifications: Notifications) -> Admin:
    """admin(method, path, who, body=None, query=None, request_id=None): the admin app."""
    module = load_function("functions/admin/app.py")

    def invoke(method: str, path: str, who: Person, *, body: Any = None,
               query: dict[str, str] | None = None, request_id: str | None = None) -> Reply:
        event = http_event(method, path, body=body, query=query, authorizer=who,
                           route_key="ANY /v1/admin/{proxy+}",
                           path_params={"proxy": path.removeprefix("/v1/admin/")})
        if request_id is not None:
            event["requestContext"]["requestId"] = request_id
        result = module.handler(event, FakeContext())
        return Reply(result["statusCode"], json.loads(result.get("body") or "null"))

    return invoke
