"""Mail for every domain: `enqueue` puts one email on EmailQueue; one consumer
(functions/auth/send_email.py) resolves the recipient, skips suppressed addresses, renders the
repo's template (plaza.emails.rendering) and sends it through SES (plaza.emails.delivery).

A request never sends mail itself: a slow or failing SES costs it nothing, and a failed send is
retried by SQS and dead-lettered, never lost behind a 2xx already given. The queued message names
the template and the recipient (a user id, resolved at send time, or an address) and carries only
the template's context: tokens are minted by the consumer, so no secret waits in the queue.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from plaza import errors, observability
from plaza.config import settings
from plaza.stores import aws

# Each has <name>.subject.txt, <name>.txt and <name>.html under plaza/emails/templates/.
TEMPLATES = frozenset({
    "verify_email", "reset_password", "new_device_sign_in", "export_ready",
    "deletion_scheduled", "deletion_cancelled",
})


@dataclass(frozen=True)
class QueuedEmail:
    """One message of EmailQueue: which template, to whom, with what."""

    id: str
    template: str
    to_user_id: str | None = None
    to_address: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def enqueue(template: str, *, to_user_id: str | None = None, to_address: str | None = None,
            context: dict[str, Any]) -> None:
    """Queue one email of `template` to a user (their address is looked up when it is sent) or
    to an address. Unavailable when the queue is unreachable. Without EMAIL_QUEUE_URL (a stage
    with no mail, as in the template's sample events) the email is skipped with a log line."""
    if template not in TEMPLATES:
        raise ValueError(f"no email template {template!r}")
    if (to_user_id is None) == (to_address is None):
        raise ValueError("an email goes to a user id or to an address, one of the two")
    url = settings().email_queue_url
    if not url:
        observability.log_warning("email skipped: EMAIL_QUEUE_URL is not set", template=template)
        observability.count("EmailSkipped", template=template)
        return
    body = {"id": str(uuid.uuid4()), "template": template, "to_user_id": to_user_id,
            "to_address": to_address, "context": context}
    try:
        aws.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))
    except Exception as exc:  # boto3 raises many kinds; each means the email is not queued
        observability.log_exception("email not queued", template=template)
        observability.count("EmailQueueFailed", template=template)
        raise errors.Unavailable("Email could not be queued", dependency="sqs") from exc


def parse(body: str) -> QueuedEmail:
    """A queued message; Invalid when it is not one of ours (no retry can fix it)."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise errors.Invalid("The email message is not JSON") from exc
    if not isinstance(message, dict) or message.get("template") not in TEMPLATES:
        raise errors.Invalid("The email message names no known template")
    to_user_id, to_address = message.get("to_user_id"), message.get("to_address")
    context = message.get("context")
    if (not isinstance(message.get("id"), str) or not isinstance(context, dict)
            or not (isinstance(to_user_id, str) or isinstance(to_address, str))):
        raise errors.Invalid("The email message has no id, recipient or context")
    return QueuedEmail(id=message["id"], template=message["template"], to_user_id=to_user_id,
                       to_address=to_address, context=context)
