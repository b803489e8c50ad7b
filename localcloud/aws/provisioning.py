"""Creates the stack's resources in the local AWS services: queues with their redrive, buckets
with CORS, topics and their function subscriptions, event buses and rules, SES identities,
state machines and (off the start path) the functions as moto's Lambda lists them.

A resource another running cloud already made is taken over, not an error: clouds in one
process share moto's state.
"""

from __future__ import annotations

import email.utils
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from localcloud.aws.clients import LocalClients
from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.stack import Stack

LAMBDA_ROLE = "localcloud-lambda"
LAMBDA_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{LAMBDA_ROLE}"
# Browsers upload straight to S3 with presigned PUT/POST; a bucket without CORS rules of its
# own gets these, like the permissive rules a dev stack would set.
DEFAULT_BUCKET_CORS = [{
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["GET", "PUT", "POST", "HEAD", "DELETE"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}]
_ALREADY_EXISTS = {"EntityAlreadyExists", "BucketAlreadyOwnedByYou", "BucketAlreadyExists",
                   "ResourceConflictException", "ResourceAlreadyExistsException",
                   "StateMachineAlreadyExists", "QueueAlreadyExists", "QueueNameExists"}


def provision(stack: Stack, client: LocalClients, aws_endpoint: str) -> None:
    """Everything but the functions, which invocations do not need (see `register_functions`)."""
    _queues(stack, client, aws_endpoint)
    _buckets(stack, client)
    _topics(stack, client)
    _rules(stack, client)
    ses = client("ses")
    for identity in email_identities(stack):
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
    _state_machines(stack, client)


def register_functions(stack: Stack, client: LocalClients, running: Callable[[], bool]) -> None:
    """Show the functions in moto's Lambda (list_functions, get_function), off the start path.

    Invocations do not need them: the hook finds a function in the stack. Registering them
    costs most of a second, which `make dev` and each test's cloud would wait for.
    """
    try:
        _unless_exists(lambda: client("iam").create_role(
            RoleName=LAMBDA_ROLE, AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service": ["lambda.amazonaws.com",
                                                         "states.amazonaws.com"]}}],
            })))
        code = _placeholder_zip()
        lambda_client = client("lambda")
        for function in stack.functions.values():
            if not running():
                return
            _unless_exists(lambda function=function: lambda_client.create_function(
                FunctionName=function.name, Runtime=function.runtime, Role=LAMBDA_ROLE_ARN,
                Handler=function.handler, Code={"ZipFile": code},
                Timeout=int(function.timeout), MemorySize=function.memory))
    except Exception as error:  # noqa: BLE001 - a cloud stopping under us; nothing is lost
        if running():
            print(f"[localcloud] registering functions in moto failed: {error!r}", flush=True)


def email_identities(stack: Stack) -> list[str]:
    """Template identities plus the sender addresses functions are configured with."""
    identities = list(stack.email_identities)
    for function in stack.functions.values():
        for key, value in function.environment.items():
            if ("EMAIL" in key or "SENDER" in key) and "@" in value and " " not in value:
                identities.append(email.utils.parseaddr(value)[1] or value)
    return sorted(set(identities))


def _queues(stack: Stack, client: LocalClients, aws_endpoint: str) -> None:
    sqs = client("sqs")
    queues = stack.queues
    # Dead-letter queues first: a redrive policy names an existing queue's ARN.
    ordered = sorted(queues.values(), key=lambda q: q.dead_letter_queue is not None)
    for queue in ordered:
        attributes = {"VisibilityTimeout": str(queue.visibility_timeout),
                      "MessageRetentionPeriod": str(queue.retention)}
        if queue.fifo:
            attributes["FifoQueue"] = "true"
        if queue.dead_letter_queue and queue.dead_letter_queue in queues:
            dlq = queues[queue.dead_letter_queue]
            attributes["RedrivePolicy"] = json.dumps({
                "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq.name}",
                "maxReceiveCount": queue.max_receive_count or 10,
            })
        if _unless_exists(lambda name=queue.name, attributes=attributes:
                          sqs.create_queue(QueueName=name, Attributes=attributes)):
            attributes.pop("FifoQueue", None)  # fixed at creation
            sqs.set_queue_attributes(QueueUrl=f"{aws_endpoint}/{ACCOUNT_ID}/{queue.name}",
                                     Attributes=attributes)


def _buckets(stack: Stack, client: LocalClients) -> None:
    s3 = client("s3")
    for bucket in stack.buckets.values():
        _unless_exists(lambda name=bucket.name: s3.create_bucket(Bucket=name))
        s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={
            "CORSRules": bucket.cors or DEFAULT_BUCKET_CORS})
        if bucket.queue_notifications:
            # The event sources put these again beside their own when a function is triggered
            # by the bucket directly (a put replaces the whole configuration).
            s3.put_bucket_notification_configuration(Bucket=bucket.name, NotificationConfiguration={
                "QueueConfigurations": bucket.queue_notifications})


def _topics(stack: Stack, client: LocalClients) -> None:
    sns = client("sns")
    for topic in stack.topics.values():
        sns.create_topic(Name=topic)
    for source in stack.sns_sources:
        function = stack.functions.get(source.function)
        if function is None:
            continue
        attributes = {}
        if source.filter_policy:
            attributes = {"FilterPolicy": json.dumps(source.filter_policy),
                          "FilterPolicyScope": source.filter_policy_scope}
        sns.subscribe(TopicArn=source.topic_arn, Protocol="lambda",
                      Endpoint=function.arn, Attributes=attributes)


def _rules(stack: Stack, client: LocalClients) -> None:
    events = client("events")
    for bus in stack.event_buses.values():
        _unless_exists(lambda bus=bus: events.create_event_bus(Name=bus))
    for rule in stack.event_rules:
        function = stack.functions.get(rule.function)
        if function is None:
            continue  # left out of this stack by a condition
        events.put_rule(Name=rule.name, EventBusName=rule.bus,
                        EventPattern=json.dumps(rule.pattern))
        target: dict[str, Any] = {"Id": rule.function[:64], "Arn": function.arn}
        if rule.input is not None:
            target["Input"] = (rule.input if isinstance(rule.input, str)
                               else json.dumps(rule.input))
        events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[target])


def _state_machines(stack: Stack, client: LocalClients) -> None:
    sfn = client("stepfunctions")
    for machine in stack.state_machines.values():
        definition = json.dumps(machine.definition)
        if _unless_exists(lambda machine=machine, definition=definition:
                          sfn.create_state_machine(name=machine.name, definition=definition,
                                                   roleArn=LAMBDA_ROLE_ARN, type=machine.type)):
            sfn.update_state_machine(stateMachineArn=machine.arn, definition=definition)


def _unless_exists(create: Any) -> bool:
    """Run `create()`; True when the resource was already there (another cloud made it)."""
    from botocore.exceptions import ClientError

    try:
        create()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _ALREADY_EXISTS:
            raise
        return True
    return False


def _placeholder_zip() -> bytes:
    """Code for moto's listing only: the local runtime runs the function from its CodeUri."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()
