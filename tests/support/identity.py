"""Reading the emails identity sends: moto's SES backend keeps every accepted message."""

from __future__ import annotations

import re
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

REGION = "us-east-1"
_TOKEN = re.compile(r"token=([A-Za-z0-9_-]+)")


class Outbox:
    """The emails SES accepted, newest last."""

    def messages(self, to: str | None = None) -> list[Any]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [m for m in sent if to is None or to in m.destinations.get("ToAddresses", [])]

    def last_token(self, to: str, subject_word: str) -> str:
        """The token in the newest email to `to` whose subject mentions `subject_word`."""
        for message in reversed(self.messages(to)):
            if subject_word.lower() in message.subject.lower():
                match = _TOKEN.search(message.body)
                assert match, message.body
                return match.group(1)
        raise AssertionError(f"no {subject_word!r} email to {to}")


E2E_PASSWORD = "e2e-passphrase-for-tests"


def sign_up_and_in(http_url: str, username: str, device_id: str) -> dict[str, Any]:
    """Register `username` over HTTP (if new) and log in on `device_id`: the login's JSON."""
    import httpx

    with httpx.Client(base_url=http_url, timeout=30) as client:
        registered = client.post("/v1/auth/register", json={
            "email": f"{username}@example.edu", "password": E2E_PASSWORD, "username": username})
        assert registered.status_code in (201, 409), registered.text
        login = client.post("/v1/auth/login", headers={"x-device-id": device_id},
                            json={"username": username, "password": E2E_PASSWORD})
        assert login.status_code == 200, login.text
        return dict(login.json())
