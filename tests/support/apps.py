"""A signed-in user's HTTP client for e2e tests, the way the mobile app holds it."""

from __future__ import annotations

import uuid

from tests.support.deployment import Deployment
from tests.support.identity import sign_up_and_in


class SignedInApp:
    """Registers and logs `username` in on a fresh device; `http` sends its credentials."""

    def __init__(self, deployment: Deployment, username: str) -> None:
        self.username = username
        device = f"e2e-{uuid.uuid4().hex[:12]}"
        source = deployment.user_address()
        login = sign_up_and_in(deployment.http_url, username, device, source)
        self.http = deployment.client(source, headers={
            "authorization": f"Bearer {login['access_token']}", "x-device-id": device})

    def post(self, text: str) -> str:
        """Create a public post; its id."""
        created = self.http.post("/v1/posts", json={"text": text})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def close(self) -> None:
        self.http.close()
