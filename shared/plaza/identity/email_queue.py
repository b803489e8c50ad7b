"""Identity's emails through EmailQueue: a request queues one message, the consumer
(functions/auth/send_email.py) writes and sends the email.

A queued password reset costs the same whether or not the account exists (the consumer is the one
that looks), so the forgot route's answer and its timing tell nothing; a failed send is retried
by SQS and dead-lettered, never lost with a 202 already given.
"""

from __future__ import annotations

import json
from typing import Any

from plaza import errors, observability
from plaza.config import settings
from plaza.stores import aws

PASSWORD_RESET = "password_reset"  # noqa: S105 - a message kind, not a password
KINDS = frozenset({PASSWORD_RESET})


def enqueue(kind: str, data: dict[str, Any]) -> None:
    """Queue one email of `kind`; Unavailable when the queue is unreachable. Without
    EMAIL_QUEUE_URL (a stage with no mail, as in the template's sample events) the email is
    skipped with a log line, as it was when SES refused it."""
    url = settings().email_queue_url
    if not url:
        observability.log_warning("email skipped: EMAIL_QUEUE_URL is not set", kind=kind)
        observability.count("EmailSkipped", kind=kind)
        return
    try:
        aws.client("sqs").send_message(QueueUrl=url,
                                       MessageBody=json.dumps({"kind": kind, **data}))
    except Exception as exc:  # boto3 raises many kinds; each means the email is not queued
        observability.log_exception("email not queued", kind=kind)
        observability.count("EmailQueueFailed", kind=kind)
        raise errors.Unavailable("Email could not be queued", dependency="sqs") from exc


def parse(body: str) -> dict[str, Any]:
    """A queued message; Invalid when it is not one of ours (no retry can fix it)."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise errors.Invalid("The email message is not JSON") from exc
    if not isinstance(message, dict) or message.get("kind") not in KINDS:
        raise errors.Invalid("The email message has no known kind")
    return message
