"""Moderation through the stack: a report, the moderator queue, a take-down that hides the post
everywhere and notifies both sides through the notifications queue and consumer, and the audit
record the database refuses to change.

Local only: the moderator and admin are promoted in the database, which a deployment does not
expose, and the audit table is touched directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest

from plaza.admin import repo as admin_repo
from tests.support.deployment import Deployment
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e,
              pytest.mark.local_only(reason="promotes staff in the database in-process")]


@pytest.fixture
def people(deployment: Deployment) -> Iterator[Callable[..., Member]]:
    """people(name, role="user"): a signed-in member; staff sign in again after promotion, so
    their token carries the role."""
    with ExitStack() as stack:
        def make(name: str, role: str = "user") -> Member:
            member = Member(deployment, stack, f"{name}_{uuid.uuid4().hex[:8]}")
            if role != "user":
                admin_repo.set_role(member.id, role)
                member.devices = {}
                member.sign_in("staff-" + uuid.uuid4().hex[:8])
            return member

        yield make


def _moderation_notices(member: Member) -> list[dict[str, Any]]:
    with member.http() as client:
        items = client.get("/v1/notifications").json()["items"]
    return [item for item in items if item["kind"] == "moderation"]


def _audit_status_for(member: Member) -> int:
    """The status the admins-only audit log answers `member`."""
    with member.http() as client:
        return client.get("/v1/admin/audit").status_code


def test_a_reported_post_taken_down_disappears_both_sides_hear_and_the_audit_holds(
        people: Callable[..., Member], database_url: str) -> None:
    ann, bob = people("ann"), people("bob")
    mod, boss = people("mod", "moderator"), people("boss", "admin")
    with ann.http() as ann_http, bob.http() as bob_http, mod.http() as mod_http:
        posted = ann_http.post("/v1/posts", json={"text": "click my totally legit link"})
        assert posted.status_code == 201, posted.text
        post_id = posted.json()["id"]

        reported = bob_http.post("/v1/reports", json={
            "target_type": "post", "target_id": post_id, "reason": "spam", "note": "phishing"})
        assert reported.status_code == 201, reported.text
        assert bob_http.post("/v1/reports", json={
            "target_type": "post", "target_id": post_id, "reason": "spam"}).status_code == 200

        queue = mod_http.get("/v1/admin/reports", params={"target_type": "post"})
        assert queue.status_code == 200, queue.text
        [item] = [i for i in queue.json()["items"] if i["target_id"] == post_id]
        assert (item["reporters"], item["snapshot"]["text"]) == (1, "click my totally legit link")

        resolved = mod_http.post(f"/v1/admin/reports/{item['report_id']}/resolve",
                                 json={"action": "take_down", "reason": "phishing link"})
        assert resolved.status_code == 200, resolved.text

        assert bob_http.get(f"/v1/posts/{post_id}").status_code == 404
        assert ann_http.get(f"/v1/posts/{post_id}").status_code == 404
        profile = bob_http.get(f"/v1/users/{ann.username}/posts")
        assert post_id not in [post["id"] for post in profile.json()["items"]]

    [to_bob] = eventually(lambda: _moderation_notices(bob))
    assert (to_bob["data"]["event"], to_bob["data"]["outcome"]) == ("report_resolved", "take_down")
    [to_ann] = eventually(lambda: _moderation_notices(ann))
    assert to_ann["data"]["event"] == "content_removed"

    with boss.http() as boss_http:
        audit = boss_http.get("/v1/admin/audit", params={"target": post_id})
        assert audit.status_code == 200, audit.text
        [record] = audit.json()["items"]
        assert (record["action"], record["actor_id"]) == ("report.take_down", mod.id)
        assert record["request_id"]
        assert _audit_status_for(mod) == 403

    with psycopg.connect(database_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_log SET reason = 'nothing' WHERE target_id = %s", (post_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log WHERE target_id = %s", (post_id,))
