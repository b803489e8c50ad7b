"""moto in place of AWS for plaza's clients in this process (integration tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plaza.stores import aws

REGION = "us-east-1"


@contextmanager
def plaza_on_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's AWS while the block runs: its region and dummy credentials set, no local-cloud
    AWS_ENDPOINT_URL, and plaza's AWS clients made afresh on the way in and out (a client
    made for one moto must not serve the next)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.reset()
    with mock_aws():
        yield
    aws.reset()


@contextmanager
def moto_queue(monkeypatch: pytest.MonkeyPatch, name: str,
               variable: str) -> Iterator[tuple[Any, str]]:
    """A moto SQS queue `name`, its URL in the environment `variable` plaza reads it from:
    (the sqs client, the URL)."""
    with plaza_on_moto(monkeypatch):
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        monkeypatch.setenv(variable, url)
        yield sqs, url
