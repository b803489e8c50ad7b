"""Links in local mail work: the verification and reset links in the outbox open the local
cloud's app pages (APP_BASE_URL = <http api>/_local/app), which call the API."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.support.identity import E2E_PASSWORD, Outbox
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "a-brand-new-passphrase-2026"


def _link(email: str, page: str) -> str:
    def found() -> str | None:
        for message in reversed(Outbox().messages(email)):
            match = re.search(rf"(http://\S+/{page}\?token=\S+)", message.body)
            if match:
                return match.group(1)
        return None

    return eventually(found)


def test_the_verification_link_opens_a_page_that_verifies(main_cloud: RunningCloud) -> None:
    username = f"pages_{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.edu"
    with httpx.Client(base_url=main_cloud.http_url, timeout=30) as client:
        registered = client.post("/v1/auth/register", json={
            "email": email, "password": E2E_PASSWORD, "username": username})
        assert registered.status_code == 201, registered.text
        link = _link(email, "verify-email")
        assert link.startswith(f"{main_cloud.http_url}/_local/app/verify-email?token=")

        page = client.get(link)
        assert page.status_code == 200 and "Email verified" in page.text
        again = client.get(link)  # a token works once
        assert again.status_code != 200 and "Not verified" in again.text

        login = client.post("/v1/auth/login", headers={"x-device-id": "pages-device-1"},
                            json={"username": username, "password": E2E_PASSWORD})
        me = client.get("/v1/auth/me", headers={
            "authorization": f"Bearer {login.json()['access_token']}",
            "x-device-id": "pages-device-1"})
        assert me.json()["user"]["email_verified"] is True


def test_the_reset_link_opens_a_form_that_sets_the_password(main_cloud: RunningCloud) -> None:
    username = f"pages_{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.edu"
    with httpx.Client(base_url=main_cloud.http_url, timeout=30) as client:
        assert client.post("/v1/auth/register", json={
            "email": email, "password": E2E_PASSWORD, "username": username}).status_code == 201
        assert client.post("/v1/auth/password/forgot", json={"email": email}).status_code == 202
        link = _link(email, "reset-password")  # through the EmailQueue and its consumer
        form = client.get(link)
        assert form.status_code == 200 and "name='password'" in form.text
        token = link.rsplit("token=", 1)[1]
        done = client.post("/_local/app/reset-password",
                           data={"token": token, "password": NEW_PASSWORD})
        assert done.status_code == 200 and "Password changed" in done.text
        login = client.post("/v1/auth/login", headers={"x-device-id": "pages-device-2"},
                            json={"username": username, "password": NEW_PASSWORD})
        assert login.status_code == 200, login.text
