"""Finished Step Functions executions are pruned after a bound (moto would keep each, with its
history and a copy of its state machine, for the life of the local cloud)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from localcloud.aws import retention
from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  VerdictStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: verdict.asl.json
"""

DEFINITION = {
    "StartAt": "Decide",
    "States": {
        "Decide": {"Type": "Choice", "Default": "Pass",
                   "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Fail"}]},
        "Pass": {"Type": "Pass", "End": True},
        "Fail": {"Type": "Fail", "Error": "Asked", "Cause": "the input asked to fail"},
    },
}


def _run(sfn: Any, machine: str, name: str, fail: bool) -> str:
    arn = str(sfn.start_execution(stateMachineArn=machine, name=name,
                                  input=json.dumps({"fail": fail}))["executionArn"])

    def finished() -> str | None:
        status = str(sfn.describe_execution(executionArn=arn)["status"])
        return None if status == "RUNNING" else status

    assert eventually(finished, timeout=20) == ("FAILED" if fail else "SUCCEEDED")
    return arn


def _names(sfn: Any, machine: str, status: str) -> list[str]:
    listed: dict[str, Any] = sfn.list_executions(stateMachineArn=machine, statusFilter=status)
    return sorted(item["name"] for item in listed["executions"])


def test_finished_executions_beyond_the_bound_are_pruned_newest_kept(
        tmp_path: Path, stores: EmbeddedStores) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "verdict.asl.json").write_text(json.dumps(DEFINITION))
    with running_local_cloud(tmp_path / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[],
                             executions_kept=2) as running:
        sfn = running.aws_client("stepfunctions")
        machine = running.cloud.stack.state_machines["VerdictStateMachine"].arn
        for number in range(5):
            _run(sfn, machine, f"ok-{number}", fail=False)
        for number in range(3):
            _run(sfn, machine, f"bad-{number}", fail=True)

        # Counted per status: the newest two successes, and failures a flood of successes
        # cannot push out.
        assert _names(sfn, machine, "SUCCEEDED") == ["ok-3", "ok-4"]
        assert _names(sfn, machine, "FAILED") == ["bad-1", "bad-2"]

        # Past the age bound, every finished execution goes.
        later = datetime.now(UTC) + timedelta(seconds=running.cloud.config.executions_max_age_s
                                              + 60)
        assert retention.prune(machine, retention.Retention(keep=2), now=later) == 4
        assert _names(sfn, machine, "SUCCEEDED") == _names(sfn, machine, "FAILED") == []
