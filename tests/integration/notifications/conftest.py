"""Notifications against the real Postgres and Redis, SNS in moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo
from plaza.stores import push

MakeUser = Callable[[str], str]


@pytest.fixture
def make_user(clean_stores: EmbeddedStores) -> MakeUser:
    def make(username: str) -> str:
        row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                        "not-a-real-hash")
        return str(row["id"])

    return make


@pytest.fixture
def sns(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's SNS with an FCM platform application configured as PUSH_APPLICATIONS."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    push.reset()
    with mock_aws():
        client = boto3.client("sns")
        app = client.create_platform_application(Name="plaza-fcm", Platform="GCM",
                                                 Attributes={})["PlatformApplicationArn"]
        monkeypatch.setenv("PUSH_APPLICATIONS", f"fcm={app}")
        yield client
    push.reset()


def pushes() -> list[str]:
    """Every message moto's SNS published to a platform endpoint."""
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [message for endpoint in backend.platform_endpoints.values()
            for message in endpoint.messages.values()]
