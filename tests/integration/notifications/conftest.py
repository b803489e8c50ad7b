"""Notifications against the real Postgres and Redis, SNS in moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from localcloud.embedded import EmbeddedStores
from tests.support.moto import plaza_on_moto
from tests.support.users import insert_user

MakeUser = Callable[[str], str]


@pytest.fixture
def make_user(clean_stores: EmbeddedStores) -> MakeUser:
    return insert_user


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in place of AWS, and fresh plaza clients bound to it."""
    with plaza_on_moto(monkeypatch):
        yield


@pytest.fixture
def sns(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto's SNS with an FCM platform application configured as PUSH_APPLICATIONS."""
    client = boto3.client("sns")
    app = client.create_platform_application(Name="plaza-fcm", Platform="GCM",
                                             Attributes={})["PlatformApplicationArn"]
    monkeypatch.setenv("PUSH_APPLICATIONS", f"fcm={app}")
    return client


@pytest.fixture
def queue(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """moto's SQS with the notifications queue as NOTIFICATIONS_QUEUE_URL."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
    return sqs, url


def pushes() -> list[str]:
    """Every message moto's SNS published to a platform endpoint."""
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [message for endpoint in backend.platform_endpoints.values()
            for message in endpoint.messages.values()]
