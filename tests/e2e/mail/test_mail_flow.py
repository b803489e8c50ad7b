"""Mail through the stack: every email goes EmailQueue -> the consumer -> SES (the outbox shows
it rendered, text and HTML), and SES's mailbox simulator bounce comes back through the
configuration set's SNS topic, suppresses the address and flags the account."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.identity import E2E_PASSWORD
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e
_OUTCOME_SENT = re.compile(r'"outcome":\s*"sent"')
_OUTCOME_SUPPRESSED = re.compile(r'"outcome":\s*"suppressed"')


@pytest.fixture
def client(deployment: Deployment) -> Iterator[httpx.Client]:
    with deployment.client(deployment.user_address()) as http:
        yield http


def _mails(cloud: RunningCloud, to: str) -> list[dict[str, Any]]:
    return [item for item in cloud.cloud.status["outbox"]()
            if item.get("channel") == "email" and to in item.get("to", [])]


def _consumer_logs(cloud: RunningCloud) -> str:
    return "\n".join(line for entry in cloud.cloud.recorder.recent("invocation", limit=500)
                     if entry["function"] == "AuthSendEmailFunction" for line in entry["logs"])


def test_registering_queues_the_verification_mail_which_arrives_rendered_in_the_outbox(
        client: httpx.Client, main_cloud: RunningCloud) -> None:
    name = f"mail_{uuid.uuid4().hex[:10]}"
    address = f"{name}@example.edu"
    registered = client.post("/v1/auth/register", json={
        "email": address, "password": E2E_PASSWORD, "username": name,
        "display_name": "Ann <b>&</b> Co"})
    assert registered.status_code == 201, registered.text

    [mail] = eventually(lambda: _mails(main_cloud, address))
    assert mail["subject"] == "Confirm your Plaza email address"
    # Text as written; HTML escaped (the display name is the user's own input).
    assert "Hi Ann <b>&</b> Co," in mail["body"]
    assert "Ann &lt;b&gt;&amp;&lt;/b&gt; Co" in mail["html"] and "<b>&</b>" not in mail["html"]
    token = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", mail["body"])
    assert token and f"token={token.group(1)}" in mail["html"]
    # It came through the queue: the consumer sent it, invoked by the SQS event source.
    # (Its invocation is recorded as it ends, a moment after SES accepted the mail.)
    eventually(lambda: [entry for entry in main_cloud.cloud.recorder.recent("invocation", limit=500)
                        if entry["function"] == "AuthSendEmailFunction" and entry["source"] == "sqs"
                        and any(_OUTCOME_SENT.search(line) and "verify_email" in line
                                for line in entry["logs"])])
    assert client.post("/v1/auth/verify-email", json={"token": token.group(1)}).status_code == 204


def test_a_sign_in_from_a_new_device_mails_an_alert_and_a_known_device_does_not(
        client: httpx.Client, main_cloud: RunningCloud) -> None:
    name = f"mail_{uuid.uuid4().hex[:10]}"
    address = f"{name}@example.edu"
    assert client.post("/v1/auth/register", json={
        "email": address, "password": E2E_PASSWORD, "username": name}).status_code == 201

    def login(device: str, agent: str) -> None:
        reply = client.post("/v1/auth/login", json={"username": name, "password": E2E_PASSWORD},
                            headers={"x-device-id": device, "user-agent": agent})
        assert reply.status_code == 200, reply.text

    login("mail-phone-0001", "PlazaApp/1.0 (iPhone)")  # the first device: no alert
    login("mail-phone-0001", "PlazaApp/1.0 (iPhone)")  # the same device again: none
    login("mail-laptop-0002", "Mozilla/5.0 <script>x</script>")

    def alerts() -> list[dict[str, Any]]:
        return [m for m in _mails(main_cloud, address) if "New sign-in" in m["subject"]]

    [alert] = eventually(alerts)
    assert "Mozilla/5.0 <script>x</script>" in alert["body"]
    assert "&lt;script&gt;" in alert["html"] and "<script>" not in alert["html"]
    assert len(_mails(main_cloud, address)) == 2  # the verification mail and this alert


def test_a_hard_bounce_suppresses_the_address_flags_the_account_and_skips_the_next_mail(
        client: httpx.Client, main_cloud: RunningCloud, stores: EmbeddedStores) -> None:
    name = f"mail_{uuid.uuid4().hex[:10]}"
    # SES's mailbox simulator: a label after + keeps the address unique, as in AWS.
    address = f"bounce+{name}@simulator.amazonses.com"
    assert client.post("/v1/auth/register", json={
        "email": address, "password": E2E_PASSWORD, "username": name}).status_code == 201
    eventually(lambda: _mails(main_cloud, address))

    def suppressed() -> dict[str, Any] | None:
        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT s.reason, s.detail, u.email_bounced_at FROM email_suppressions s"
                " JOIN users u ON u.email = s.address WHERE s.address = %s", (address,)).fetchone()
        # The function suppresses, then flags the account: wait for both.
        return {"reason": row[0], "detail": row[1], "bounced_at": row[2]} \
            if row and row[2] else None

    row = eventually(suppressed)
    assert row["reason"] == "bounce" and row["detail"].startswith("Permanent/General")
    assert row["bounced_at"] is not None
    feedback = [entry for entry in main_cloud.cloud.recorder.recent("invocation", limit=500)
                if entry["function"] == "AuthEmailFeedbackFunction"]
    assert feedback and feedback[-1]["source"] == "sns" and feedback[-1]["status"] == "ok"

    assert client.post("/v1/auth/password/forgot", json={"email": address}).status_code == 202
    eventually(lambda: any(_OUTCOME_SUPPRESSED.search(line) and "reset_password" in line
                           for line in _consumer_logs(main_cloud).splitlines()))
    assert [m["subject"] for m in _mails(main_cloud, address)] == [
        "Confirm your Plaza email address"]


def test_scheduling_and_cancelling_a_deletion_each_mail_the_owner_once(
        client: httpx.Client, main_cloud: RunningCloud) -> None:
    name = f"mail_{uuid.uuid4().hex[:10]}"
    address = f"{name}@example.edu"
    assert client.post("/v1/auth/register", json={
        "email": address, "password": E2E_PASSWORD, "username": name}).status_code == 201
    device = {"x-device-id": "mail-phone-0003"}
    login = client.post("/v1/auth/login", headers=device,
                        json={"username": name, "password": E2E_PASSWORD}).json()
    auth = {**device, "authorization": f"Bearer {login['access_token']}"}
    scheduled = client.request("DELETE", "/v1/users/me", json={"password": E2E_PASSWORD},
                               headers=auth)
    assert scheduled.status_code == 202, scheduled.text
    due = scheduled.json()["due_at"][:10]

    def subjects() -> list[str]:
        return sorted(m["subject"] for m in _mails(main_cloud, address))

    eventually(lambda: "Your Plaza account will be deleted" in subjects())
    [mail] = [m for m in _mails(main_cloud, address) if "will be deleted" in m["subject"]]
    assert f"on {due}" in mail["body"] and due in mail["html"]

    cancelled = client.post("/v1/me/deletion/cancel", headers=device,
                            json={"username": name, "password": E2E_PASSWORD})
    assert cancelled.status_code == 200, cancelled.text
    eventually(lambda: "Your Plaza account will not be deleted" in subjects())
    assert subjects() == ["Confirm your Plaza email address", "Your Plaza account will be deleted",
                          "Your Plaza account will not be deleted"]
