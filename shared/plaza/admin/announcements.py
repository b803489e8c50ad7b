"""Announcements, audited: notifications broadcasts, the audit log records, in one transaction.

Notifications and audit sit on one row of the domain stack and never import each other, so the
admin domain above both joins them. The record is written inside the transaction that the
broadcast runs in: a broadcast that raises leaves no record, and a record that cannot be written
rolls back (the frames already sent cannot be called back, but an unaudited announcement
answers 5xx and is logged).
"""

from __future__ import annotations

from typing import Any

from plaza.audit import service as audit
from plaza.identity.gateway import Caller, require_role
from plaza.notifications import service as notifications
from plaza.notifications.models import AnnouncementIn
from plaza.stores import db


def announce(caller: Caller, body: AnnouncementIn) -> dict[str, Any]:
    """Broadcast to the `announcements` topic (admins only) and audit it."""
    require_role(caller, "admin")
    with db.transaction():
        sent = notifications.announce(caller, body)
        audit.record(caller, "announcement", "topic", "announcements",
                     after={"id": sent["id"], "title": body.title, "text": body.text,
                            "reached": sent["reached"]})
    return sent
