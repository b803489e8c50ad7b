"""SES's mailbox simulator, locally: a send to bounce@ or complaint@simulator.amazonses.com (a
+label allowed, as in AWS) through a configuration set whose event destination takes bounces or
complaints publishes the event SES would, to that destination's topic, and so reaches the
function subscribed to it.

moto accepts the simulator addresses like any other and publishes only identity notifications,
with canned recipients; the event here names the real recipient and message id, in the shape of
SES event publishing ("eventType").
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from localcloud.template.account import ACCOUNT_ID
from localcloud.template.stack import Stack

SIMULATOR_DOMAIN = "simulator.amazonses.com"
# mailbox -> (SES event type, the event's body)
_SCENARIOS: dict[str, str] = {"bounce": "Bounce", "complaint": "Complaint"}


def _scenario(address: str) -> str | None:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != SIMULATOR_DOMAIN:
        return None
    return _SCENARIOS.get(local.split("+", 1)[0].lower())


def events(stack: Stack, configuration_set: str | None, source: str, destinations: list[str],
           message_id: str) -> list[tuple[str, str]]:
    """(topic ARN, SNS message) for each simulated event of one send."""
    if not configuration_set:
        return []
    targets = [d for d in stack.email_event_destinations if d.configuration_set == configuration_set]
    published = []
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    for address in destinations:
        kind = _scenario(address)
        if kind is None:
            continue
        for target in targets:
            if kind.lower() in target.event_types:
                event = _event(kind, address, source, destinations, message_id,
                               configuration_set, now)
                published.append((target.topic_arn, json.dumps(event)))
    return published


def _event(kind: str, address: str, source: str, destinations: list[str], message_id: str,
           configuration_set: str, now: str) -> dict[str, Any]:
    mail = {"timestamp": now, "source": source, "sendingAccountId": ACCOUNT_ID,
            "messageId": message_id, "destination": destinations,
            "tags": {"ses:configuration-set": [configuration_set]}}
    feedback_id = f"{uuid.uuid4()}-000000"
    if kind == "Bounce":
        return {"eventType": "Bounce", "mail": mail, "bounce": {
            "feedbackId": feedback_id, "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "action": "failed",
                                   "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
            "timestamp": now, "reportingMTA": "dns; amazonses.com"}}
    return {"eventType": "Complaint", "mail": mail, "complaint": {
        "feedbackId": feedback_id, "complainedRecipients": [{"emailAddress": address}],
        "complaintFeedbackType": "abuse", "timestamp": now,
        "userAgent": "Amazon SES Mailbox Simulator"}}
