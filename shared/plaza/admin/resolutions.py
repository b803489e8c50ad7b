"""Resolving a report: the moderator's decision on every open report of one target.

Admin sits above moderation, so the account actions (suspend, ban) reuse this package's
suspension and a resolution is one transaction: the reports, the content, the account and the
audit record commit together. Notifications go after the commit.
"""

from __future__ import annotations

from plaza.admin import service
from plaza.audit import service as audit
from plaza.identity.gateway import Caller, require_role
from plaza.moderation import service as moderation
from plaza.moderation.models import Resolution, ResolveIn
from plaza.stores import db
from plaza.stores.search_events import queue_index_event


def resolve(actor: Caller, report_id: str, body: ResolveIn) -> Resolution:
    """Apply the decision to the report's target and resolve all its open reports (moderator+)."""
    require_role(actor, "moderator")
    target = moderation.report_target(report_id)
    author_id = target["target_author_id"]
    with db.transaction():
        resolved, before, after = moderation.close_reports(actor, target, body.action, body.reason)
        if body.action in ("suspend", "ban") and author_id:
            service.suspend(actor, author_id, reason=body.reason, ban=body.action == "ban")
        audit.record(actor, f"report.{body.action}", target["target_type"], target["target_id"],
                     reason=body.reason, before=before,
                     after={**after, "report_id": report_id, "author_id": author_id})
    moderation.forget_content(target["target_type"], target["target_id"], author_id)
    if body.action in ("suspend", "ban") and author_id:
        # service.suspend queued its event inside this transaction: again now it has committed.
        queue_index_event("user", author_id)
    moderation.notify_outcome(actor, target, body.action, body.reason,
                              [row["reporter_id"] for row in resolved])
    return Resolution(target_type=target["target_type"], target_id=target["target_id"],
                      action=body.action, reports_resolved=len(resolved))
