"""Send one queued email: resolve the recipient, honour the suppression list, render, send.

A redelivered message whose email already went out is not sent again (email_sends); the window
left is a crash between SES accepting the mail and the row being written, which mails twice
rather than never.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from plaza import observability
from plaza.config import settings
from plaza.emails import QueuedEmail, rendering, suppression
from plaza.stores import mail

# The recipient's address (None: no one to mail, e.g. a deleted account) ...
AddressOf = Callable[[QueuedEmail], str | None]
# ... and what the template needs beyond the queued context (a fresh token, the display name);
# None: nothing to send after all (a reset for an address with no active account).
Prepare = Callable[[QueuedEmail, str], dict[str, Any] | None]

_PRUNE_EVERY_S = 3600.0
_last_prune = 0.0


def deliver(message: QueuedEmail, *, address_of: AddressOf, prepare: Prepare) -> str:
    """Send `message`; what became of it: sent, duplicate, no_recipient, suppressed or skipped.
    Unavailable (SES or Postgres down) propagates, for SQS to retry."""
    _prune_now_and_then()
    if suppression.was_sent(message.id):
        return _outcome(message, "duplicate")
    address = address_of(message)
    if not address:
        return _outcome(message, "no_recipient")
    if suppression.is_suppressed(address):
        return _outcome(message, "suppressed")
    extra = prepare(message, address)
    if extra is None:
        return _outcome(message, "skipped")
    context = {"app_base_url": settings().app_base_url.rstrip("/"), "display_name": "",
               **message.context, **extra, "to_address": address}
    rendered = rendering.render(message.template, context)
    ses_message_id = mail.send(address, rendered.subject, rendered.text, html=rendered.html)
    suppression.record_sent(message.id, message.template, ses_message_id)
    return _outcome(message, "sent")


def _outcome(message: QueuedEmail, outcome: str) -> str:
    observability.log_info("email", template=message.template, outcome=outcome,
                           email_id=message.id)
    observability.count({"sent": "EmailSent", "duplicate": "EmailDuplicate",
                         "no_recipient": "EmailNoRecipient", "suppressed": "EmailSuppressed",
                         "skipped": "EmailSkipped"}[outcome], template=message.template)
    return outcome


def _prune_now_and_then() -> None:
    global _last_prune
    now = time.monotonic()
    if now - _last_prune >= _PRUNE_EVERY_S:
        _last_prune = now
        suppression.prune_sends()
