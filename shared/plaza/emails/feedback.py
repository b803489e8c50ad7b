"""SES bounce and complaint notifications (through SNS) put addresses on the suppression list.

Both shapes SES publishes are read: a configuration set's event destination ("eventType") and an
identity's feedback notification ("notificationType"). A permanent bounce or a complaint
suppresses; a transient bounce (mailbox full, greylisting) is only counted, since SES already
retried it and the next mail may well arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from plaza import errors, observability
from plaza.emails import suppression


@dataclass
class FeedbackResult:
    suppressed: list[str] = field(default_factory=list)
    # Addresses that bounced for good: their accounts are flagged (the caller's domain's rule).
    hard_bounced: list[str] = field(default_factory=list)
    transient: int = 0


def parse(message: str) -> dict[str, Any]:
    """An SNS message's SES notification; Invalid when it is not one."""
    try:
        notification = json.loads(message)
    except ValueError as exc:
        raise errors.Invalid("The SES notification is not JSON") from exc
    if not isinstance(notification, dict):
        raise errors.Invalid("The SES notification is not an object")
    return notification


def record(notification: dict[str, Any]) -> FeedbackResult:
    """Suppress what `notification` reports; what it did. Other kinds (deliveries) do nothing."""
    kind = notification.get("eventType") or notification.get("notificationType")
    result = FeedbackResult()
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        detail = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}"
        for recipient in bounce.get("bouncedRecipients") or []:
            address = str(recipient.get("emailAddress") or "").strip()
            if not address:
                continue
            if not permanent:
                result.transient += 1
                continue
            code = recipient.get("diagnosticCode") or recipient.get("status") or ""
            suppression.suppress(address, "bounce", f"{detail} {code}".strip())
            result.suppressed.append(address)
            result.hard_bounced.append(address)
    elif kind == "Complaint":
        complaint = notification.get("complaint") or {}
        for recipient in complaint.get("complainedRecipients") or []:
            address = str(recipient.get("emailAddress") or "").strip()
            if address:
                suppression.suppress(address, "complaint",
                                     str(complaint.get("complaintFeedbackType") or ""))
                result.suppressed.append(address)
    if result.suppressed:
        observability.count("EmailAddressSuppressed", value=len(result.suppressed), kind=str(kind))
    if result.transient:
        observability.count("EmailTransientBounce", value=result.transient)
    observability.log_info("email feedback", kind=str(kind), suppressed=len(result.suppressed),
                           transient=result.transient)
    return result
