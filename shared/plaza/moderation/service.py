"""Reporting rules and what moderation does to content.

Anyone may report what they can see (a message only inside its conversation), once while the
report is open; the content as they saw it is kept with the report. When `REPORTS_AUTO_HIDE_AT`
distinct users (default 5) have open reports on a post, comment or message, it is hidden until a
moderator decides: a dismissal brings it back, a take-down removes it for good.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from plaza import errors, observability
from plaza.feeds.home_cache import forget_home_pages
from plaza.identity.gateway import Caller, require_role
from plaza.moderation import repo
from plaza.moderation.models import (
    QueuePage,
    QueueQuery,
    ReportedTarget,
    ReportIn,
    ReportOut,
)
from plaza.notifications.producer import notify
from plaza.pagination import decode_cursor, page_of
from plaza.posts import repo as posts_repo
from plaza.posts.service import forget_cached_post
from plaza.stores import db
from plaza.stores.search_events import queue_hashtag_event, queue_index_event

DEFAULT_AUTO_HIDE_AT = 5
CONTENT_TYPES = ("post", "comment", "message")


def auto_hide_at() -> int:
    """How many distinct reporters hide content pending review (REPORTS_AUTO_HIDE_AT)."""
    return max(1, int(os.environ.get("REPORTS_AUTO_HIDE_AT") or DEFAULT_AUTO_HIDE_AT))


def report(reporter: Caller, body: ReportIn) -> tuple[ReportOut, bool]:
    """The reporter's open report on the target, and whether this call created it."""
    target_type, target_id = body.target_type, str(body.target_id)
    hidden = False
    with db.transaction():
        existing = repo.open_report(reporter.user_id, target_type, target_id)
        if existing is not None:
            return ReportOut(**existing), False
        target = repo.visible_target(reporter.user_id, target_type, target_id)
        if target is None:
            raise errors.NotFound(f"No such {target_type}")
        if target["author_id"] == reporter.user_id:
            raise errors.Forbidden("You cannot report yourself or your own content")
        row = repo.insert_report(reporter.user_id, target_type, target_id, target["author_id"],
                                 body.reason, body.note, target["snapshot"])
        if row is None:  # a concurrent identical report committed first
            existing = repo.open_report(reporter.user_id, target_type, target_id)
            if existing is None:
                raise errors.Conflict("The report changed meanwhile; try again")
            return ReportOut(**existing), False
        if (target_type in CONTENT_TYPES
                and repo.open_reporters(target_type, target_id) >= auto_hide_at()):
            hidden = repo.hide(target_type, target_id)
    if hidden:
        forget_content(target_type, target_id, target["author_id"])
        observability.log_info("content hidden pending review", target_type=target_type,
                               target_id=target_id)
        observability.count("ContentAutoHidden", target_type=target_type)
    observability.count("ReportCreated", target_type=target_type)
    return ReportOut(**row), True


def forget_content(target_type: str, target_id: str, author_id: str | None) -> None:
    """Drop cached copies of content whose visibility moderation changed (after commit), and
    have search index it again (hidden, taken down or brought back)."""
    if target_type == "post":
        forget_cached_post(target_id)
        queue_index_event("post", target_id)
        queue_hashtag_event(posts_repo.public_hashtags(target_id))  # their counts changed
        if author_id:
            forget_home_pages([author_id])


def report_target(report_id: str) -> dict[str, Any]:
    row = repo.report_target(report_id)
    if row is None:
        raise errors.NotFound("No such report")
    return row


def queue_page(actor: Caller, query: QueueQuery) -> QueuePage:
    """One page of reported targets with their reports grouped (moderators)."""
    require_role(actor, "moderator")
    after = decode_cursor(query.cursor)
    rows = repo.queue_page(query.status, query.target_type, query.limit + 1, after)
    for row in rows:
        row["report_id"] = str(row["report_id"])
    items, next_cursor = page_of(rows, query.limit, "sort_at", "report_id")
    return QueuePage(items=[_reported_target(row) for row in items], next_cursor=next_cursor)


def _reported_target(row: dict[str, Any]) -> ReportedTarget:
    return ReportedTarget(
        report_id=row["report_id"], target_type=row["target_type"], target_id=row["target_id"],
        target_author_id=row["target_author_id"], reporters=row["reporters"],
        reasons=dict(Counter(row["reasons"])), notes=row["notes"], snapshot=row["snapshot"],
        hidden=row["moderation"] is not None, first_reported_at=row["first_reported_at"],
        last_reported_at=row["last_reported_at"], resolution=row["resolution"],
        resolved_at=row["resolved_at"])


def close_reports(actor: Caller, target: dict[str, Any], action: str,
                  reason: str) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Resolve the target's open reports and apply `action` to the content, inside the caller's
    transaction: the reports resolved, and the content's moderation state before and after.

    A take-down removes the content for good; a dismissal brings back content hidden pending
    review; the other actions act on the account (the caller's part) and leave content as it is.
    """
    require_role(actor, "moderator")
    target_type, target_id = target["target_type"], target["target_id"]
    if action == "take_down" and target_type not in CONTENT_TYPES:
        raise errors.Invalid("A user is suspended, banned or warned, not taken down", errors=[
            {"field": "body.action", "message": "take_down applies to content", "type": "value"}])
    resolved = repo.resolve_open(target_type, target_id, actor.user_id, action, reason)
    if not resolved:
        raise errors.Conflict("The report is already resolved")
    before: dict[str, Any] = {"open_reports": len(resolved)}
    after: dict[str, Any] = {"open_reports": 0, "resolution": action}
    if target_type in CONTENT_TYPES:
        state = repo.moderation_state(target_type, target_id)
        before["moderation"] = state["moderation"] if state else None
        if state is not None and action == "take_down":
            repo.remove(target_type, target_id, actor.user_id)
            after["moderation"] = "removed"
        elif state is not None and action == "dismiss":
            repo.restore(target_type, target_id)
            after["moderation"] = None if state["moderation"] == "hidden" else state["moderation"]
        else:
            after["moderation"] = before["moderation"]
    return resolved, before, after


def notify_outcome(actor: Caller, target: dict[str, Any], action: str, reason: str,
                   reporter_ids: list[str]) -> None:
    """Tell each reporter the outcome, and the author of a take-down or a warning (after commit)."""
    about = {"target_type": target["target_type"], "target_id": target["target_id"],
             "report_id": target["id"]}
    for reporter_id in set(reporter_ids):
        notify("moderation", reporter_id, actor.user_id,
               {**about, "event": "report_resolved", "outcome": action},
               dedupe_key=f"moderation:report:{target['id']}")
    author_id = target.get("target_author_id")
    if author_id and action in ("take_down", "warn"):
        event = "content_removed" if action == "take_down" else "warning"
        notify("moderation", author_id, actor.user_id, {**about, "event": event, "reason": reason},
               dedupe_key=f"moderation:{event}:{target['id']}")
