"""Reading the emails Plaza sends: moto's SES backend keeps every accepted message, and moto's
SQS the EmailQueue every email goes through."""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.support.lambdas import FakeContext, http_event, load_function

REGION = "us-east-1"
_TOKEN = re.compile(r"token=([A-Za-z0-9_-]+)")


@dataclass
class SentEmail:
    """One email SES accepted: a raw MIME message (plaza.stores.mail) or a simple one."""

    to: list[str]
    subject: str
    body: str  # the text part
    html: str

    @classmethod
    def of(cls, message: Any) -> SentEmail:
        if hasattr(message, "raw_data"):
            parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            html = parsed.get_body(preferencelist=("html",))
            return cls(to=list(message.destinations), subject=str(parsed.get("Subject", "")),
                       body=text.get_content() if text is not None else "",
                       html=html.get_content() if html is not None else "")
        return cls(to=list(message.destinations.get("ToAddresses", [])),
                   subject=message.subject, body=message.body, html="")


class Outbox:
    """The emails SES accepted, newest last; with `queue_url`, the EmailQueue in front of it."""

    def __init__(self, queue_url: str | None = None) -> None:
        self.queue_url = queue_url

    def queued(self) -> list[dict[str, Any]]:
        """Take every message waiting in the EmailQueue (they are gone from it afterwards)."""
        import boto3

        assert self.queue_url, "this outbox has no EmailQueue"
        sqs = boto3.client("sqs", region_name=REGION)
        taken: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                return taken
            for message in batch:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            taken += batch

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Run the EmailQueue's consumer (functions/auth/send_email.py) on `messages`."""
        records = [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
        consumer = load_function("functions/auth/send_email.py")
        return dict(consumer.handler({"Records": records}, FakeContext()))

    def flush(self) -> dict[str, Any]:
        """Send what waits in the EmailQueue, as its consumer would."""
        pending = self.queued() if self.queue_url else []
        return self.deliver(pending) if pending else {"batchItemFailures": []}

    def messages(self, to: str | None = None) -> list[SentEmail]:
        sent = [SentEmail.of(m) for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages]
        return [m for m in sent if to is None or to in m.to]

    def last_token(self, to: str, subject_word: str) -> str:
        """The token in the newest email to `to` whose subject mentions `subject_word` (the
        EmailQueue is flushed first)."""
        if self.queue_url:
            self.flush()
        for message in reversed(self.messages(to)):
            if subject_word.lower() in message.subject.lower():
                match = _TOKEN.search(message.body)
                assert match, message.body
                return match.group(1)
        raise AssertionError(f"no {subject_word!r} email to {to}")


E2E_PASSWORD = "e2e-passphrase-for-tests"


def sign_up_and_in(http_url: str, username: str, device_id: str,
                   source: str | None = None) -> dict[str, Any]:
    """Register `username` over HTTP (if new) and log in on `device_id`, calling from `source`
    when given: the login's JSON."""
    import httpx

    transport = httpx.HTTPTransport(local_address=source) if source else None
    with httpx.Client(base_url=http_url, timeout=30, transport=transport) as client:
        registered = client.post("/v1/auth/register", json={
            "email": f"{username}@example.edu", "password": E2E_PASSWORD, "username": username})
        assert registered.status_code in (201, 409), registered.text
        login = client.post("/v1/auth/login", headers={"x-device-id": device_id},
                            json={"username": username, "password": E2E_PASSWORD})
        assert login.status_code == 200, login.text
        return dict(login.json())


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """Calls the auth functions the way API Gateway does, authorizer first on protected routes."""

    def __init__(self) -> None:
        self.modules: dict[str, Any] = {}

    def _handler(self, name: str) -> Any:
        if name not in self.modules:
            self.modules[name] = load_function(f"functions/auth/{name}.py")
        return self.modules[name].handler

    def call(self, name: str, method: str, path: str, *, body: Any = None,
             headers: dict[str, str] | None = None, authorizer: dict[str, Any] | None = None,
             path_params: dict[str, str] | None = None, ip: str = "127.0.0.1") -> Reply:
        event = http_event(method, path, body=body, headers=headers, authorizer=authorizer,
                           path_params=path_params)
        event["requestContext"]["http"]["sourceIp"] = ip
        result = self._handler(name)(event, FakeContext())
        raw = result.get("body") or ""
        content_type = result["headers"].get("content-type", "")
        return Reply(result["statusCode"], result["headers"],
                     json.loads(raw) if raw and "json" in content_type else raw)

    def authorize(self, token: str | None, device_id: str | None) -> dict[str, Any]:
        headers = {}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if device_id is not None:
            headers["x-device-id"] = device_id
        event = http_event("GET", "/v1/auth/me", headers=headers)
        event.update(type="REQUEST", routeArn="arn:aws:execute-api:us-east-1:1:api/$default/GET/x")
        return dict(self._handler("authorizer")(event, FakeContext()))

    def as_caller(self, name: str, method: str, path: str, token: str, device_id: str,
                  **options: Any) -> Reply:
        """The route behind the authorizer: 403 like API Gateway when it says no."""
        decision = self.authorize(token, device_id)
        if not decision["isAuthorized"]:
            return Reply(403, {}, {"message": "Forbidden"})
        return self.call(name, method, path, authorizer=decision["context"],
                         headers={"x-device-id": device_id}, **options)


@contextmanager
def mocked_mail(monkeypatch: Any) -> Iterator[Outbox]:
    """SES (the sender's domain verified) and the EmailQueue in moto, this process's AWS clients
    pointed at them: the Outbox of what is queued and sent."""
    import boto3

    from plaza import config
    from tests.support.moto import plaza_on_moto

    with plaza_on_moto(monkeypatch):
        boto3.client("ses", region_name=REGION).verify_domain_identity(Domain="plaza.dev")
        queue_url = boto3.client("sqs", region_name=REGION).create_queue(
            QueueName="EmailQueue")["QueueUrl"]
        monkeypatch.setenv("EMAIL_QUEUE_URL", queue_url)
        config.reset_settings()
        yield Outbox(queue_url)
