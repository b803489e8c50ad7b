"""The local cloud's AWS services and event sources against a fixture template.

Clients talk to moto through plain boto3 and plain HTTP, the way an app or a handler would:
an SQS consumer with a partial batch failure and its DLQ, a state machine whose Map state calls
our functions, presigned uploads triggering a function, a schedule fired on demand whose
function emails through SES and publishes through SNS.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.client import BaseClient

from localcloud.aws.services import AwsServices
from localcloud.embedded import EmbeddedStores
from localcloud.event_sources import EventSources
from tests.support import polling
from tests.support.local_cloud import RunningCloud, running_local_cloud

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(HERE / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url,
                             layer_paths=[ROOT / "shared"]) as running:
        yield running


@pytest.fixture(scope="module")
def aws(cloud: RunningCloud) -> Callable[[str], BaseClient]:
    clients: dict[str, BaseClient] = {}

    def client(service: str) -> BaseClient:
        if service not in clients:
            clients[service] = cloud.aws_client(service)
        return clients[service]

    return client


eventually = partial(polling.eventually, timeout=10)


def finished_execution(sfn: BaseClient, arn: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=arn)
        return None if described["status"] == "RUNNING" else described

    return eventually(finished, timeout=20)


def event_sources(cloud: RunningCloud) -> EventSources:
    return next(c for c in cloud.cloud.components if isinstance(c, EventSources))


def queue_row(cloud: RunningCloud, name: str) -> dict[str, Any]:
    return next(row for row in cloud.cloud.status["queues"]() if row["name"] == name)


def test_failed_item_of_a_batch_is_redelivered_then_moved_to_the_dlq(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    stack = cloud.cloud.stack
    queue, dlq = stack.queues["JobsQueue"], stack.queues["JobsDeadLetterQueue"]
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok1", "MessageBody": "ok"}, {"Id": "bad", "MessageBody": "fail"},
        {"Id": "ok2", "MessageBody": "ok"}])

    def dead_letters() -> list[dict[str, Any]]:
        dlq_url = sqs.get_queue_url(QueueName=dlq.name)["QueueUrl"]
        return sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10,
                                   AttributeNames=["All"]).get("Messages") or []

    dead = eventually(lambda: queue_row(cloud, queue.name)["dlq_depth"], timeout=15)
    assert dead == 1
    [message] = dead_letters()
    assert message["Body"] == "fail"
    deliveries = [r for r in cloud.cloud.recorder.recent("queue")
                  if r["queue"] == queue.name and r["action"] in ("delivered", "failed")]
    # The first batch carries all three (the batching window gathers them) and fails only
    # one; that one comes back alone after the visibility timeout and fails again.
    assert sum(len(r["deleted"]) for r in deliveries) == 2
    failed = [r for r in deliveries if r["failed"]]
    assert len(failed) == 2 and {len(r["failed"]) for r in failed} == {1}
    assert any(r["action"] == "dead-lettered" for r in cloud.cloud.recorder.recent("queue"))
    row = queue_row(cloud, queue.name)
    assert (row["visible"], row["in_flight"], row["dlq"]) == (0, 0, dlq.name)


def test_map_state_calls_our_functions_for_each_item(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    sfn = aws("stepfunctions")
    machine = cloud.cloud.stack.state_machines["SquaresStateMachine"]
    arn = sfn.start_execution(stateMachineArn=machine.arn,
                              input=json.dumps({"numbers": [1, 2, 3, 4]}))["executionArn"]
    described = finished_execution(sfn, arn)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"numbers": [1, 2, 3, 4], "sum": 30}
    invoked = [r["function"] for r in cloud.cloud.recorder.recent("invocation")
               if r["source"] == "stepfunctions"]
    assert invoked.count("SquareFunction") >= 4 and "SumFunction" in invoked
    [execution] = [e for e in cloud.cloud.status["executions"]() if e["arn"] == arn]
    assert execution["status"] == "SUCCEEDED"
    states = {event.get("state") for event in execution["history"]}
    assert {"SquareEach", "Sum"} <= states
    assert any(r["arn"] == arn and r["status"] == "SUCCEEDED"
               for r in cloud.cloud.recorder.recent("execution"))


def processed(s3: BaseClient, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)


def test_presigned_put_over_plain_http_triggers_the_upload_function(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    s3 = aws("s3")
    bucket = cloud.cloud.stack.buckets["UploadsBucket"].name
    name = f"{uuid.uuid4().hex}.txt"
    url = s3.generate_presigned_url("put_object", ExpiresIn=300, Params={
        "Bucket": bucket, "Key": f"incoming/{name}", "ContentType": "text/plain"})
    response = httpx.put(url, content=b"hello plaza", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200, response.text
    record = eventually(lambda: processed(s3, bucket, f"processed/{name}.json"))
    assert record == {"key": f"incoming/{name}", "size": 11, "event": "ObjectCreated:Put"}


def test_presigned_post_form_upload_triggers_the_upload_function(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    s3 = aws("s3")
    bucket = cloud.cloud.stack.buckets["UploadsBucket"].name
    name = f"{uuid.uuid4().hex}.bin"
    post = s3.generate_presigned_post(bucket, f"incoming/{name}", ExpiresIn=300)
    response = httpx.post(post["url"], data=post["fields"],
                          files={"file": (name, b"\x00\x01\x02", "application/octet-stream")})
    assert response.status_code in (200, 204), response.text
    record = eventually(lambda: processed(s3, bucket, f"processed/{name}.json"))
    assert record["key"] == f"incoming/{name}" and record["size"] == 3


def test_schedule_fired_on_demand_emails_and_publishes_into_the_outbox(
        cloud: RunningCloud) -> None:
    [schedule] = cloud.cloud.status["schedules"]()
    assert (schedule["function"], schedule["expression"]) == ("DigestFunction",
                                                               "cron(0 3 * * ? *)")
    result = cloud.run(event_sources(cloud).trigger_schedule(schedule["name"]))
    assert result["source"] == "aws.events"
    outbox = cloud.cloud.status["outbox"]()
    [email] = [item for item in outbox if item["id"] == result["message_id"]]
    assert email["channel"] == "email" and email["to"] == ["ada@example.com"]
    assert email["subject"] == "Your digest" and email["body"].startswith("Scheduled at ")
    topic = f"arn:aws:sns:us-east-1:123456789012:{cloud.cloud.stack.topics['AlertsTopic']}"
    assert any(item["channel"] == "topic" and item["to"] == topic for item in outbox)
    [after] = cloud.cloud.status["schedules"]()
    assert after["last_run"] is not None and after["last_status"] == "ok"


def test_console_starts_an_execution_and_sees_its_state_history(cloud: RunningCloud) -> None:
    services = next(c for c in cloud.cloud.components if isinstance(c, AwsServices))
    arn = cloud.run(services.start_execution("SquaresStateMachine", {"numbers": [5]}))

    def finished() -> dict[str, Any] | None:
        rows = [e for e in cloud.cloud.status["executions"]() if e["arn"] == arn]
        return rows[0] if rows and rows[0]["status"] != "RUNNING" else None

    execution = eventually(finished, timeout=20)
    assert execution["status"] == "SUCCEEDED"
    assert execution["input"] == {"numbers": [5]}
    assert execution["output"] == {"numbers": [5], "sum": 25}
    assert execution["history"][0]["type"] == "ExecutionStarted"
    assert execution["history"][-1]["type"] == "ExecutionSucceeded"


def test_a_second_cloud_running_alongside_leaves_this_ones_functions_working(
        cloud: RunningCloud, stores: EmbeddedStores, aws: Callable[[str], BaseClient]) -> None:
    sfn = aws("stepfunctions")
    machine = cloud.cloud.stack.state_machines["SquaresStateMachine"]

    def run_squares(numbers: list[int]) -> dict[str, Any]:
        return finished_execution(sfn, sfn.start_execution(
            stateMachineArn=machine.arn, input=json.dumps({"numbers": numbers}))["executionArn"])

    # moto's state is per process: both clouds share it, and the second one starting (and
    # stopping) must not take this cloud's functions or its Step Functions endpoint away.
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as other:
        assert other.aws_endpoint != cloud.aws_endpoint
        described = run_squares([2, 3])
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"])["sum"] == 13
    described = run_squares([6])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["sum"] == 36


def test_lambda_invoke_through_boto3_runs_our_handler_and_reports_its_errors(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    lambda_client = aws("lambda")
    name = cloud.cloud.stack.functions["SquareFunction"].name
    answer = lambda_client.invoke(FunctionName=name, Payload=b"7")
    assert json.loads(answer["Payload"].read()) == 49 and "FunctionError" not in answer
    failed = lambda_client.invoke(FunctionName=name, Payload=b'"seven"')
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "TypeError"
    # Registered in moto's Lambda too, off the start path, for handlers that list functions.
    assert eventually(lambda: lambda_client.get_function(FunctionName=name))


def test_event_on_a_custom_bus_reaches_the_rules_function_which_emails(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    address, later = (f"{uuid.uuid4().hex[:8]}@example.com" for _ in range(2))

    def signed_up(email: str) -> dict[str, Any]:
        return {"EventBusName": "plaza-users", "Source": "plaza.users",
                "DetailType": "UserSignedUp",
                "Detail": json.dumps({"username": "ada", "email": email})}

    events = aws("events")
    events.put_events(Entries=[signed_up(address), {
        "EventBusName": "plaza-users", "Source": "plaza.users", "DetailType": "UserDeleted",
        "Detail": json.dumps({"username": "bob", "email": address})}])
    # A matching event put after both: once its email is out, the earlier ones were routed.
    events.put_events(Entries=[signed_up(later)])

    def emails_to(to: str) -> list[dict[str, Any]]:
        return [item for item in cloud.cloud.status["outbox"]() if item["to"] == [to]]

    eventually(lambda: emails_to(later))
    [email] = eventually(lambda: emails_to(address))
    assert email["subject"] == "Welcome, ada" and "from plaza.users" in email["body"]
    assert any(r["function"] == "WelcomeFunction" and r["source"] == "eventbridge"
               for r in cloud.cloud.recorder.recent("invocation"))


def test_push_to_a_device_endpoint_lands_in_the_outbox(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    sns = aws("sns")
    app = sns.create_platform_application(Name="plaza-ios", Platform="APNS_SANDBOX",
                                          Attributes={})["PlatformApplicationArn"]
    device = sns.create_platform_endpoint(PlatformApplicationArn=app,
                                          Token=uuid.uuid4().hex)["EndpointArn"]
    message = json.dumps({"APNS_SANDBOX": json.dumps({"aps": {"alert": "ada liked your post"}})})
    message_id = sns.publish(TargetArn=device, Message=message,
                             MessageStructure="json")["MessageId"]
    [push] = [item for item in cloud.cloud.status["outbox"]() if item["id"] == message_id]
    assert (push["channel"], push["to"]) == ("push", device)
    assert "ada liked your post" in push["body"]


def test_topic_notifications_reach_the_subscribed_function_through_its_filter_policy(
        cloud: RunningCloud, aws: Callable[[str], BaseClient]) -> None:
    sns, s3 = aws("sns"), aws("s3")
    bucket = cloud.cloud.stack.buckets["UploadsBucket"].name
    topic = f"arn:aws:sns:us-east-1:123456789012:{cloud.cloud.stack.topics['AlertsTopic']}"

    def alert(severity: str) -> str:
        return str(sns.publish(TopicArn=topic, Subject="disk", Message=f"{severity} usage",
                               MessageAttributes={"severity": {"DataType": "String",
                                                               "StringValue": severity}})
                   ["MessageId"])

    # The low one first: once the later high one is kept, the low one had its chance.
    low, high = alert("low"), alert("high")
    notification = eventually(lambda: processed(s3, bucket, f"alerts/{high}.json"))
    assert notification["Type"] == "Notification" and notification["TopicArn"] == topic
    assert (notification["Subject"], notification["Message"]) == ("disk", "high usage")
    assert notification["MessageAttributes"]["severity"] == {"Type": "String", "Value": "high"}
    assert processed(s3, bucket, f"alerts/{low}.json") is None  # filtered out
