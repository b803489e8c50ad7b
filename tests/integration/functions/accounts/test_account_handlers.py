"""The account deletion functions as Lambda invokes them: 202 and 403 for the request, the
cancel's token pair and 409, the step function's output."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import passwords
from plaza.identity import repo as identity_repo
from plaza.stores import cache, db
from tests.support.lambdas import FakeContext, http_event, json_of, load_function

PASSWORD = "a long and unusual passphrase 7"  # noqa: S105


@pytest.fixture
def ann(clean_stores: EmbeddedStores) -> dict[str, str]:
    cache.reset()
    row = identity_repo.insert_user("ann", "ann@example.edu", "Ann",
                                    passwords.hash_password(PASSWORD))
    return {"user_id": str(row["id"]), "role": "user", "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


def _call(action: str, event: dict[str, Any]) -> dict[str, Any]:
    return load_function(f"functions/accounts/{action}.py").handler(event, FakeContext())


def test_request_cancel_and_a_step_answer_as_documented(ann: dict[str, str]) -> None:
    wrong = _call("deletion_request", http_event("DELETE", "/v1/users/me",
                                                 body={"password": "nope"}, authorizer=ann))
    assert wrong["statusCode"] == 403
    scheduled = _call("deletion_request", http_event("DELETE", "/v1/users/me",
                                                     body={"password": PASSWORD}, authorizer=ann))
    assert scheduled["statusCode"] == 202 and json_of(scheduled)["status"] == "scheduled"

    def cancel() -> dict[str, Any]:
        return _call("deletion_cancel", http_event(
            "POST", "/v1/me/deletion/cancel", body={"username": "ann", "password": PASSWORD},
            headers={"x-device-id": "device-0002"}))

    cancelled = cancel()
    assert cancelled["statusCode"] == 200 and json_of(cancelled)["access_token"]
    assert cancel()["statusCode"] == 409

    db.execute("UPDATE account_deletions SET status = 'running' WHERE user_id = %s",
               (ann["user_id"],))
    step = _call("deletion_step", {"user_id": ann["user_id"], "step": "sessions"})
    assert step == {"user_id": ann["user_id"], "step": "sessions", "changed": 1}
