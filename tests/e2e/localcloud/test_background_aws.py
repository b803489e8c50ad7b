"""`make dev` serves its APIs before the AWS services are up (LocalCloudConfig.aws_in_background):
the AWS port listens from the start, so a call made before moto serves it waits instead of being
refused; the stack's resources are there once the services report ready."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  PingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: functions/
      Handler: ping.handler
      Events:
        Ping:
          Type: HttpApi
          Properties: {Path: /ping, Method: GET}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: background-work
"""

HANDLER = """\
def handler(event, context):
    return {"statusCode": 200, "body": "pong"}
"""


def test_an_early_aws_call_waits_for_the_services_and_finds_the_stack(
        tmp_path: Path, stores: EmbeddedStores) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "ping.py").write_text(HANDLER)
    with running_local_cloud(tmp_path / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[],
                             aws_in_background=True) as running:
        cloud = running.cloud
        assert cloud.aws_ready is not None
        sqs = running.aws_client("sqs")
        # Asked at once, whether or not moto serves yet: answered, not refused.
        assert sqs.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert httpx.get(f"{running.http_url}/ping", timeout=30).text == "pong"
        eventually(lambda: cloud.aws_ready is not None and cloud.aws_ready.done(), timeout=60)
        assert cloud.aws_ready.exception() is None
        url = sqs.get_queue_url(QueueName="background-work")["QueueUrl"]
        assert url.endswith("/background-work")
        # The components that need the AWS services joined once they were ready, in order.
        names = [component.name for component in cloud.components]
        assert names.index("console") < names.index("event-sources")
