"""The admin API through the stack: the proxy route behind the gateway authorizer.

Local only: the first admin is promoted in the database, which a deployment does not expose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from plaza.admin import repo as admin_repo
from tests.support.deployment import Deployment
from tests.support.identity import sign_up_and_in

pytestmark = [pytest.mark.e2e,
              pytest.mark.local_only(reason="promotes an admin in the database in-process")]


class Account:
    """A signed-in user: their device and token pair, as the app keeps them."""

    def __init__(self, deployment: Deployment, username: str) -> None:
        self.device = f"e2e-{uuid.uuid4().hex[:12]}"
        self.pair: dict[str, Any] = sign_up_and_in(deployment.http_url, username, self.device)
        self.id = str(self.pair["user"]["id"])

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.pair['access_token']}", "x-device-id": self.device}

    def refresh(self, http: httpx.Client) -> httpx.Response:
        return http.post("/v1/auth/refresh", headers={"x-device-id": self.device},
                         json={"refresh_token": self.pair["refresh_token"]})


@pytest.fixture
def http(deployment: Deployment) -> Iterator[httpx.Client]:
    with deployment.client() as client:
        yield client


def test_an_admin_suspends_a_user_whose_next_refresh_is_refused(
        deployment: Deployment, http: httpx.Client) -> None:
    suffix = uuid.uuid4().hex[:8]
    admin, target, bystander = (Account(deployment, f"{name}_{suffix}")
                                for name in ("boss", "target", "bystander"))
    # Promoted in the database; the role reaches the access token at the next refresh.
    admin_repo.set_role(admin.id, "admin")
    promoted = admin.refresh(http)
    assert promoted.status_code == 200, promoted.text
    admin.pair = promoted.json()

    refused = http.get("/v1/admin/users", headers=bystander.headers())
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    suspended = http.post(f"/v1/admin/users/{target.id}/suspend", headers=admin.headers())
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["user"]["status"] == "suspended"

    again = target.refresh(http)
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/problem+json"
    # The gateway's authorizer refuses the access token the suspension left behind.
    assert http.get("/v1/auth/me", headers=target.headers()).status_code == 403

    listed = http.get("/v1/admin/users", headers=admin.headers(),
                      params={"query": f"target_{suffix}", "status": "suspended"})
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [target.id]
    missing = http.get("/v1/admin/nothing-here", headers=admin.headers())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
