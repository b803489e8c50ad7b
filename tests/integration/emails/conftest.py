"""Mail against the real Postgres, SES and the EmailQueue in moto (SES's sent messages are the
outbox)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.stores import aws
from tests.support.identity import REGION, Outbox


@pytest.fixture
def mail_env(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.reset()
    with mock_aws():
        boto3.client("ses", region_name=REGION).verify_domain_identity(Domain="plaza.dev")
        queue_url = boto3.client("sqs", region_name=REGION).create_queue(
            QueueName="EmailQueue")["QueueUrl"]
        monkeypatch.setenv("EMAIL_QUEUE_URL", queue_url)
        config.reset_settings()
        yield Outbox(queue_url)
    aws.reset()
    config.reset_settings()
