"""Identity tests: clean stores, SES and the EmailQueue in moto (SES's sent messages are the
outbox), a dev keyset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.identity import tokens
from plaza.stores import aws, cache
from tests.support.identity import REGION, Api, Outbox


@pytest.fixture
def identity_env(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outbox]:
    """Stage `test` (a generated ES256 keyset), SES mocked with the sender verified."""
    keys_dir: Path = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("PLAZA_DEV_JWT_KEYS_FILE", str(keys_dir / "jwt-keys-es256.json"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("ALLOWED_EMAIL_DOMAINS", raising=False)
    monkeypatch.delenv("JWT_KEYS", raising=False)
    config.reset_settings()
    tokens.reset_keyset()
    cache.reset()
    aws.reset()
    with mock_aws():
        boto3.client("ses", region_name=REGION).verify_domain_identity(Domain="plaza.dev")
        queue_url = boto3.client("sqs", region_name=REGION).create_queue(
            QueueName="EmailQueue")["QueueUrl"]
        monkeypatch.setenv("EMAIL_QUEUE_URL", queue_url)
        config.reset_settings()
        yield Outbox(queue_url)
    aws.reset()
    cache.reset()
    tokens.reset_keyset()
    config.reset_settings()


@pytest.fixture
def api(identity_env: Outbox) -> Api:
    return Api()
