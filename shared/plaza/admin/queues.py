"""The stack's queues for operators: depth and oldest age of each queue and its dead letters,
samples of dead letters (tokens redacted), redrive to the source queue, and purge.

The queues come from ADMIN_QUEUES ("name=queue_url|dead_letter_url,..."), which the template
writes from its own resources, so the same code reads the local cloud's queues and AWS's.
Redrive and purge are audited. A message is redriven by receive, send to the source, delete:
a crash between send and delete leaves a copy in both, which consumers already tolerate (SQS
delivers at least once).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from plaza import errors, observability
from plaza.admin.models import DeadLetter, DeadLetterPage, QueueDepth, QueueOut, QueuePage, QueueWork
from plaza.audit import service as audit
from plaza.identity.gateway import Caller, require_role
from plaza.stores import aws, db

# Redrive at most this many messages per request: a Lambda request has seconds, not minutes.
MAX_REDRIVE = 500
_SECRET_KEY = re.compile(r"token|password|secret|authorization|cookie|jwt", re.IGNORECASE)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class StackQueue:
    name: str
    url: str
    dead_letter_url: str


def stack_queues() -> dict[str, StackQueue]:
    queues = {}
    for item in os.environ.get("ADMIN_QUEUES", "").split(","):
        name, _, urls = item.strip().partition("=")
        url, _, dead_letter_url = urls.partition("|")
        if name and url and dead_letter_url:
            queues[name] = StackQueue(name, url, dead_letter_url)
    return queues


def _queue(name: str) -> StackQueue:
    found = stack_queues().get(name)
    if found is None:
        raise errors.NotFound(f"No queue named {name!r}")
    return found


def _sqs() -> Any:
    return aws.client("sqs")


def _depth(url: str, oldest_age_s: int | None) -> QueueDepth:
    attributes = _sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                      "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return QueueDepth(depth=int(attributes.get("ApproximateNumberOfMessages", 0)),
                      in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                      oldest_age_s=oldest_age_s)


def _peek(url: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` (1-10) messages, left visible at once (a dead-letter queue has no
    redrive of its own, so counting a receive there costs nothing)."""
    return list(_sqs().receive_message(
        QueueUrl=url, MaxNumberOfMessages=limit, VisibilityTimeout=0, WaitTimeSeconds=0,
        AttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
    ).get("Messages", []))


def _sent_at(message: dict[str, Any]) -> dt.datetime:
    millis = int(message.get("Attributes", {}).get("SentTimestamp", 0))
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _source_age_s(url: str) -> int | None:
    """ApproximateAgeOfOldestMessage from CloudWatch (receiving from a source queue would count
    towards its messages' dead-lettering); None where CloudWatch has no answer (the local cloud)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    now = dt.datetime.now(dt.UTC)
    try:
        result = aws.client("cloudwatch", attempts=1).get_metric_data(
            MetricDataQueries=[{"Id": "age", "MetricStat": {"Metric": {
                "Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": name}]},
                "Period": 60, "Stat": "Maximum"}}],
            StartTime=now - dt.timedelta(minutes=5), EndTime=now)
        values = result["MetricDataResults"][0]["Values"]
    except Exception:  # noqa: BLE001 - an unanswered metric is "unknown", never a failed page
        return None
    return int(values[0]) if values else None


def queue_page(actor: Caller) -> QueuePage:
    """Every queue of the stack with its dead letters (admins)."""
    require_role(actor, "admin")
    items = []
    now = dt.datetime.now(dt.UTC)
    for queue in stack_queues().values():
        sample = _peek(queue.dead_letter_url, 10)
        oldest = min((_sent_at(message) for message in sample), default=None)
        items.append(QueueOut(
            name=queue.name, queue=_depth(queue.url, _source_age_s(queue.url)),
            dead_letters=_depth(queue.dead_letter_url,
                                int((now - oldest).total_seconds()) if oldest else None)))
    return QueuePage(items=items)


def redact(value: Any) -> Any:
    """`value` with anything under a secret-sounding key, and any JWT, replaced."""
    if isinstance(value, dict):
        return {key: REDACTED if _SECRET_KEY.search(str(key)) else redact(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _JWT.sub(REDACTED, value)
    return value


def _body(raw: str) -> Any:
    try:
        return redact(json.loads(raw))
    except ValueError:
        return redact(raw)


def dead_letters(actor: Caller, name: str, limit: int) -> DeadLetterPage:
    """A sample of up to `limit` (1-10) dead letters, secrets redacted (admins)."""
    require_role(actor, "admin")
    queue = _queue(name)
    return DeadLetterPage(items=[DeadLetter(
        message_id=message["MessageId"], sent_at=_sent_at(message),
        receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
        body=_body(message.get("Body", ""))) for message in _peek(queue.dead_letter_url, limit)])


def redrive(actor: Caller, name: str, reason: str | None = None) -> QueueWork:
    """Move dead letters back to their source queue, up to MAX_REDRIVE (admins, audited)."""
    require_role(actor, "admin")
    queue = _queue(name)
    sqs, moved = _sqs(), 0
    while moved < MAX_REDRIVE:
        batch = sqs.receive_message(QueueUrl=queue.dead_letter_url, MaxNumberOfMessages=10,
                                    VisibilityTimeout=60, WaitTimeSeconds=0,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        sent = sqs.send_message_batch(QueueUrl=queue.url, Entries=[
            {"Id": str(index), "MessageBody": message["Body"],
             **({"MessageAttributes": message["MessageAttributes"]}
                if message.get("MessageAttributes") else {})}
            for index, message in enumerate(batch)]).get("Successful", [])
        done = [batch[int(entry["Id"])] for entry in sent]
        if done:
            sqs.delete_message_batch(QueueUrl=queue.dead_letter_url, Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(done)])
        moved += len(done)
        if len(done) < len(batch):
            break  # the source refused some: stop rather than spin on them
    _audited(actor, "queue.redrive", name, reason, {"moved": moved})
    observability.count("DeadLettersRedriven", value=moved)
    return QueueWork(name=name, messages=moved)


def purge(actor: Caller, name: str, reason: str | None = None) -> QueueWork:
    """Delete every dead letter of the queue (admins, audited). SQS purges within a minute."""
    require_role(actor, "admin")
    queue = _queue(name)
    before = _depth(queue.dead_letter_url, None).depth
    _sqs().purge_queue(QueueUrl=queue.dead_letter_url)
    _audited(actor, "queue.purge", name, reason, {"purged": before})
    return QueueWork(name=name, messages=before)


def _audited(actor: Caller, action: str, name: str, reason: str | None,
             after: dict[str, Any]) -> None:
    with db.transaction():
        audit.record(actor, action, "queue", name, reason=reason, after=after)
