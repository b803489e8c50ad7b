"""The alarms and the dashboard in template.yaml: the thresholds ops agreed on, every alarm on the
one topic, and every function in exactly one group whose errors and throttles are watched."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from localcloud.template.reading import flattened_source

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = flattened_source(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
ALARMS = {name: resource["Properties"] for name, resource in RESOURCES.items()
          if resource["Type"] == "AWS::CloudWatch::Alarm"}
FUNCTIONS = [name for name, resource in RESOURCES.items()
             if resource["Type"] == "AWS::Serverless::Function"]
DEAD_LETTER_QUEUES = [name for name in RESOURCES if name.endswith("DeadLetterQueue")]
STATE_MACHINES = [name for name, resource in RESOURCES.items()
                  if resource["Type"] in ("AWS::Serverless::StateMachine",
                                          "AWS::StepFunctions::StateMachine")]


def _sub(value: Any) -> str:
    """The text of a `!Sub` (or a plain string)."""
    if isinstance(value, dict):
        value = value["Fn::Sub"]
    return value[0] if isinstance(value, list) else value


def _metric_names(alarm: dict[str, Any]) -> set[str]:
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {query["MetricStat"]["Metric"]["MetricName"] for query in alarm.get("Metrics", [])
            if "MetricStat" in query}


def _watched(metric: str) -> dict[str, list[str]]:
    """For each alarm querying `metric` across functions: the functions its query names."""
    found = {}
    for name, alarm in ALARMS.items():
        for query in alarm.get("Metrics", []):
            expression = _sub(query.get("Expression", ""))
            if f"SUM({metric}) FROM SCHEMA(\"AWS/Lambda\", FunctionName)" in expression:
                found[name] = re.findall(r"FunctionName = '\$\{(\w+)\}'", expression)
    return found


def test_every_alarm_publishes_to_the_one_topic_whose_email_is_optional() -> None:
    assert len(ALARMS) >= 30
    for name, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    assert RESOURCES["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    assert RESOURCES["AlarmEmailSubscription"]["Condition"] == "AlarmEmailGiven"
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""


def test_http_5xx_over_one_percent_for_ten_minutes() -> None:
    alarm = ALARMS["HttpApi5xxRateAlarm"]
    assert _metric_names(alarm) == {"5xx", "Count"}
    [rate] = [query for query in alarm["Metrics"] if query.get("ReturnData")]
    assert "100 * errors / requests" in rate["Expression"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanThreshold")
    periods = {query["MetricStat"]["Period"] for query in alarm["Metrics"] if "MetricStat" in query}
    assert periods == {60} and alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 10


@pytest.mark.parametrize(("name", "threshold_ms"), [("HttpApiLatencyP99Alarm", 1000),
                                                    ("HttpApiLatencyP99WarningAlarm", 150)])
def test_p99_latency_for_five_minutes(name: str, threshold_ms: int) -> None:
    alarm = ALARMS[name]
    assert (alarm["MetricName"], alarm["ExtendedStatistic"]) == ("Latency", "p99")
    assert alarm["Threshold"] == threshold_ms and alarm["Period"] == 60
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 5


@pytest.mark.parametrize("queue", DEAD_LETTER_QUEUES)
def test_any_message_in_a_dead_letter_queue_alarms(queue: str) -> None:
    alarm = ALARMS[f"{queue}Alarm"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    critical = _sub(ALARMS["DeadLettersCriticalAlarm"]["Metrics"][0]["Expression"])
    assert f"${{{queue}.QueueName}}" in critical


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_is_in_exactly_one_watched_group(metric: str) -> None:
    groups = _watched(metric)
    assert len(groups) >= 5
    named = [function for functions in groups.values() for function in functions]
    assert sorted(named) == sorted(FUNCTIONS), "add the new function to its group's alarms"
    for functions in groups.values():
        # A Metrics Insights query is at most 2,048 characters; names run to ~60 each.
        assert len(functions) <= 25


@pytest.mark.parametrize("machine", STATE_MACHINES)
def test_every_state_machine_alarms_on_failed_timed_out_or_aborted_executions(
        machine: str) -> None:
    watched = {
        query["MetricStat"]["Metric"]["MetricName"]
        for alarm in ALARMS.values() for query in alarm.get("Metrics", []) if "MetricStat" in query
        and query["MetricStat"]["Metric"]["Dimensions"] == [
            {"Name": "StateMachineArn", "Value": {"Ref": machine}}]}
    assert watched >= {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}


def test_database_connections_alarm_exists_only_when_the_database_is_on_rds() -> None:
    alarm = RESOURCES["DatabaseConnectionsAlarm"]
    assert alarm["Condition"] == "DatabaseOnRds"
    assert TEMPLATE["Conditions"]["DatabaseOnRds"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DatabaseRdsInstance"}, ""]}]}
    assert TEMPLATE["Parameters"]["DatabaseRdsInstance"]["Default"] == ""
    props = alarm["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("AWS/RDS", "DatabaseConnections")
    assert props["Dimensions"] == [{"Name": "DBInstanceIdentifier",
                                    "Value": {"Ref": "DatabaseRdsInstance"}}]
    assert props["Threshold"] == {"Ref": "DatabaseConnectionsAlarmAt"}


def test_failed_fan_outs_and_websocket_connect_errors_alarm() -> None:
    assert len(STATE_MACHINES) >= 2
    assert _metric_names(ALARMS["PostFanoutFailedExecutionsAlarm"]) >= {"ExecutionsFailed"}
    connect = ALARMS["WebSocketConnectErrorsAlarm"]
    watched = {query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
               for query in connect["Metrics"] if "MetricStat" in query}
    assert watched == {"RealtimeConnectFunction", "AuthAuthorizerFunction"}


def test_the_dashboard_shows_the_api_queues_fan_out_and_business_metrics() -> None:
    body = json.loads(_sub(RESOURCES["Dashboard"]["Properties"]["DashboardBody"]))
    metrics = [item for widget in body["widgets"] for metric in widget["properties"]["metrics"]
               for item in metric if isinstance(item, str)]
    assert {"5xx", "Latency", "ApproximateNumberOfMessagesVisible", "ExecutionsFailed",
            "ConnectCount", "UserRegistered", "PostCreated", "MessageSent",
            "ReportCreated"} <= set(metrics)
