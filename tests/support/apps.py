"""A signed-in user's HTTP client for e2e tests, the way the mobile app holds it."""

from __future__ import annotations

import uuid

import httpx

from tests.support.identity import sign_up_and_in
from tests.support.local_cloud import RunningCloud


class SignedInApp:
    """Registers and logs `username` in on a fresh device; `http` sends its credentials."""

    def __init__(self, cloud: RunningCloud, username: str) -> None:
        self.username = username
        device = f"e2e-{uuid.uuid4().hex[:12]}"
        login = sign_up_and_in(cloud.http_url, username, device)
        self.http = httpx.Client(base_url=cloud.http_url, timeout=30, headers={
            "authorization": f"Bearer {login['access_token']}", "x-device-id": device})

    def post(self, text: str) -> str:
        """Create a public post; its id."""
        created = self.http.post("/v1/posts", json={"text": text})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def close(self) -> None:
        self.http.close()
