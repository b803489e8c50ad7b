"""Reports through POST /v1/reports, the moderator queue and resolutions through the admin app,
against the real Postgres and Redis: what a take-down hides, who is told, and the audit trail."""

from __future__ import annotations

import psycopg
import pytest

from plaza import errors
from plaza.chat import service as chat
from plaza.chat.models import ConversationIn, MessageIn
from plaza.feeds import service as feeds
from plaza.models import PageQuery
from plaza.posts import service as posts
from plaza.posts.models import CommentIn, PostIn
from plaza.stores import db
from tests.integration.moderation.conftest import Admin, MakePerson, Notifications, Report


def _post(author: dict[str, str], text: str = "buy cheap watches", **fields: str) -> str:
    return posts.create_post(author["user_id"], PostIn(text=text, **fields)).post.id


def test_a_take_down_hides_the_post_everywhere_tells_both_sides_and_is_audited(
        person: MakePerson, report: Report, admin: Admin, notifications: Notifications) -> None:
    ann, bob, mod = person("ann"), person("bob"), person("mod", "moderator")
    post_id = _post(ann)

    first = report(bob, "post", post_id, "spam", "selling watches")
    again = report(bob, "post", post_id, "abuse")
    assert (first.status, again.status) == (201, 200)
    assert again.body["report"]["id"] == first.body["report"]["id"]
    # The snapshot keeps the content as reported, even after the author edits it away.
    db.execute("UPDATE posts SET text = 'innocent now' WHERE id = %s", (post_id,))

    queue = admin("GET", "/v1/admin/reports", mod, query={"status": "open"})
    assert queue.status == 200
    [item] = queue.body["items"]
    assert (item["target_id"], item["reporters"], item["reasons"]) == (post_id, 1, {"spam": 1})
    assert item["snapshot"]["text"] == "buy cheap watches"
    assert item["notes"] == ["selling watches"] and item["hidden"] is False

    resolved = admin("POST", f"/v1/admin/reports/{item['report_id']}/resolve", mod,
                     body={"action": "take_down", "reason": "spam"}, request_id="req-takedown-1")
    assert resolved.status == 200 and resolved.body["reports_resolved"] == 1

    for viewer in (ann, bob):
        with pytest.raises(errors.NotFound):
            posts.get_post(viewer["user_id"], post_id)
    assert posts.user_posts_page(bob["user_id"], "ann", PageQuery()).items == []
    assert feeds.explore_page(bob["user_id"], PageQuery()).items == []
    row = db.fetch_one("SELECT moderation FROM posts WHERE id = %s", (post_id,))
    assert row == {"moderation": "removed"}

    told = {(n["recipient_id"], n["kind"], n["data"]["event"]) for n in notifications.drain()}
    assert told == {(bob["user_id"], "moderation", "report_resolved"),
                    (ann["user_id"], "moderation", "content_removed")}

    audit = db.fetch_all("SELECT actor_id::text AS actor_id, actor_role, action, target_id,"
                         " reason, changes, request_id FROM audit_log")
    assert audit == [{"actor_id": mod["user_id"], "actor_role": "moderator",
                      "action": "report.take_down", "target_id": post_id, "reason": "spam",
                      "changes": {"before": {"open_reports": 1, "moderation": None},
                                  "after": {"open_reports": 0, "resolution": "take_down",
                                            "moderation": "removed",
                                            "report_id": item["report_id"],
                                            "author_id": ann["user_id"]}},
                      "request_id": "req-takedown-1"}]
    resolved_queue = admin("GET", "/v1/admin/reports", mod, query={"status": "resolved"})
    assert [i["resolution"] for i in resolved_queue.body["items"]] == ["take_down"]
    assert admin("GET", "/v1/admin/reports", mod).body["items"] == []


def test_the_database_refuses_to_change_or_delete_an_audit_record(
        person: MakePerson, admin: Admin, clean_stores: object) -> None:
    boss, eve = person("boss", "admin"), person("eve")
    assert admin("POST", f"/v1/admin/users/{eve['user_id']}/suspend", boss,
                 body={"reason": "threats"}).status == 200
    with psycopg.connect(clean_stores.database_url, autocommit=True) as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("UPDATE audit_log SET reason = 'nothing happened'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("DELETE FROM audit_log")
        assert conn.execute("SELECT action, reason FROM audit_log").fetchone() == (
            "user.suspend", "threats")


def test_enough_distinct_reporters_hide_a_post_until_a_dismissal_brings_it_back(
        person: MakePerson, report: Report, admin: Admin, notifications: Notifications,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS_AUTO_HIDE_AT", "3")
    ann, mod = person("ann"), person("mod", "moderator")
    post_id = _post(ann, "an unpopular opinion")
    reporters = [person(f"r{n}") for n in range(3)]
    for who in reporters[:2]:
        assert report(who, "post", post_id).status == 201
    assert posts.get_post(ann["user_id"], post_id).id == post_id
    assert report(reporters[2], "post", post_id, "abuse").status == 201
    with pytest.raises(errors.NotFound):
        posts.get_post(ann["user_id"], post_id)

    [item] = admin("GET", "/v1/admin/reports", mod, query={"target_type": "post"}).body["items"]
    assert (item["reporters"], item["hidden"], item["reasons"]) == (3, True, {"spam": 2, "abuse": 1})
    assert admin("POST", f"/v1/admin/reports/{item['report_id']}/resolve", mod,
                 body={"action": "dismiss", "reason": "opinion, not abuse"}).status == 200
    assert posts.get_post(ann["user_id"], post_id).id == post_id
    told = [n for n in notifications.drain() if n["kind"] == "moderation"]
    # Each reporter hears the outcome; a dismissal tells the author nothing.
    assert sorted(n["recipient_id"] for n in told) == sorted(r["user_id"] for r in reporters)
    again = admin("POST", f"/v1/admin/reports/{item['report_id']}/resolve", mod,
                  body={"action": "dismiss", "reason": "twice"})
    assert again.status == 409


def test_a_message_is_reported_only_by_a_member_and_its_take_down_shows_in_history(
        person: MakePerson, report: Report, admin: Admin) -> None:
    ann, bob, eve, mod = person("ann"), person("bob"), person("eve"), person("mod", "moderator")
    conversation = chat.create_conversation(ann["user_id"], ConversationIn(usernames=["bob"])).value
    sent = chat.send_message(ann["user_id"], conversation.id,
                             MessageIn(client_msg_id="c-1", text="you will regret this"))
    message_id = sent.message.id

    assert report(eve, "message", message_id, "abuse").status == 404
    created = report(bob, "message", message_id, "abuse")
    assert created.status == 201
    assert admin("POST", f"/v1/admin/reports/{created.body['report']['id']}/resolve", mod,
                 body={"action": "take_down", "reason": "threat"}).status == 200

    history = chat.message_page(bob["user_id"], conversation.id, 20, None)
    assert [m.text for m in history.items] == ["removed by moderation"]
    [item] = admin("GET", "/v1/admin/reports", mod, query={"status": "resolved"}).body["items"]
    assert item["snapshot"]["text"] == "you will regret this"


def test_a_comment_take_down_drops_it_from_the_post_and_its_count(
        person: MakePerson, report: Report, admin: Admin) -> None:
    ann, bob, mod = person("ann"), person("bob"), person("mod", "moderator")
    post_id = _post(ann, "hello")
    comment = posts.add_comment(bob["user_id"], post_id, CommentIn(text="idiot")).value
    created = report(ann, "comment", comment.id, "abuse")
    assert created.status == 201
    assert admin("POST", f"/v1/admin/reports/{created.body['report']['id']}/resolve", mod,
                 body={"action": "take_down", "reason": "insult"}).status == 200
    assert posts.comment_page(ann["user_id"], post_id, PageQuery()).items == []
    assert posts.get_post(ann["user_id"], post_id).comment_count == 0


def test_a_ban_suspends_the_author_and_only_an_admin_lifts_it(
        person: MakePerson, report: Report, admin: Admin, notifications: Notifications) -> None:
    ann, bob = person("ann"), person("bob")
    mod, boss = person("mod", "moderator"), person("boss", "admin")
    created = report(bob, "user", ann["user_id"], "spam")
    assert created.status == 201
    banned = admin("POST", f"/v1/admin/reports/{created.body['report']['id']}/resolve", mod,
                   body={"action": "ban", "reason": "spam bot"})
    assert banned.status == 200
    user = admin("GET", f"/v1/admin/users/{ann['user_id']}", mod).body["user"]
    assert user["status"] == "suspended"

    assert admin("POST", f"/v1/admin/users/{ann['user_id']}/reinstate", mod).status == 403
    lifted = admin("POST", f"/v1/admin/users/{ann['user_id']}/reinstate", boss,
                   body={"reason": "appeal upheld"})
    assert lifted.status == 200 and lifted.body["user"]["status"] == "active"

    actions = admin("GET", "/v1/admin/audit", boss, query={"target": ann["user_id"]}).body["items"]
    assert [a["action"] for a in actions] == ["user.reinstate", "report.ban", "user.ban"]
    only_bans = admin("GET", "/v1/admin/audit", boss, query={"action": "user.ban"}).body["items"]
    assert [(a["actor_id"], a["changes"]["after"]["banned"]) for a in only_bans] == [
        (mod["user_id"], True)]
    assert admin("GET", "/v1/admin/audit", mod).status == 403


def test_reporting_needs_a_visible_target_and_not_your_own(
        person: MakePerson, report: Report) -> None:
    ann, bob = person("ann"), person("bob")
    private = _post(ann, "for followers", visibility="followers")
    assert report(bob, "post", private).status == 404
    assert report(ann, "post", _post(ann)).status == 403
    assert report(bob, "user", "00000000-0000-4000-8000-000000000000").status == 404
    bad = report(bob, "post", private, "boring")
    assert bad.status == 422


def test_a_user_files_at_most_ten_reports_an_hour(person: MakePerson, report: Report) -> None:
    ann, bob = person("ann"), person("bob")
    for n in range(10):
        assert report(bob, "post", _post(ann, f"post {n}")).status == 201
    refused = report(bob, "post", _post(ann, "one more"))
    assert refused.status == 429


def test_a_warning_tells_the_author_and_leaves_the_content(
        person: MakePerson, report: Report, admin: Admin, notifications: Notifications) -> None:
    ann, bob, mod = person("ann"), person("bob"), person("mod", "moderator")
    post_id = _post(ann, "borderline")
    created = report(bob, "post", post_id, "other", "rude but not removable")
    assert admin("POST", f"/v1/admin/reports/{created.body['report']['id']}/resolve", mod,
                 body={"action": "warn", "reason": "keep it civil"}).status == 200
    assert posts.get_post(bob["user_id"], post_id).id == post_id
    to_ann = [n for n in notifications.drain() if n["recipient_id"] == ann["user_id"]]
    assert [(n["data"]["event"], n["data"]["reason"]) for n in to_ann] == [
        ("warning", "keep it civil")]


def test_the_queue_pages_by_target_with_a_cursor(
        person: MakePerson, report: Report, admin: Admin) -> None:
    ann, bob, carol, mod = person("ann"), person("bob"), person("carol"), person("mod", "moderator")
    first, second = _post(ann, "first"), _post(ann, "second")
    for who in (bob, carol):
        assert report(who, "post", first).status == 201
    assert report(bob, "post", second).status == 201
    page = admin("GET", "/v1/admin/reports", mod, query={"limit": "1"}).body
    assert [(i["target_id"], i["reporters"]) for i in page["items"]] == [(first, 2)]
    rest = admin("GET", "/v1/admin/reports", mod,
                 query={"limit": "1", "cursor": page["next_cursor"]}).body
    assert [i["target_id"] for i in rest["items"]] == [second] and rest["next_cursor"] is None
    assert admin("GET", "/v1/admin/reports", mod, query={"cursor": "nonsense"}).status == 422


def test_the_admin_openapi_document_is_for_admins_only(person: MakePerson, admin: Admin) -> None:
    boss, mod = person("boss", "admin"), person("mod", "moderator")
    document = admin("GET", "/v1/admin/openapi.json", boss)
    assert document.status == 200
    assert {"/v1/admin/reports", "/v1/admin/reports/{report_id}/resolve", "/v1/admin/audit",
            "/v1/admin/queues"} <= set(document.body["paths"])
    assert "/v1/admin/openapi.json" not in document.body["paths"]
    assert admin("GET", "/v1/admin/openapi.json", mod).status == 403
