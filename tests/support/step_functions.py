"""A stand-in post_fanout state machine in moto's plain Step Functions backend: executions are
recorded and stay RUNNING until stopped, and nothing runs (for tests of who starts what)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from tests.support.moto import plaza_on_moto


@contextmanager
def stand_in_fanout_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """A stepfunctions client and the ARN of a do-nothing machine, which
    POST_FANOUT_STATE_MACHINE_ARN names meanwhile."""
    with plaza_on_moto(monkeypatch):
        client = boto3.client("stepfunctions")
        arn = client.create_state_machine(
            name="post-fanout", roleArn="arn:aws:iam::123456789012:role/sfn",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        )["stateMachineArn"]
        monkeypatch.setenv("POST_FANOUT_STATE_MACHINE_ARN", arn)
        yield client, arn
