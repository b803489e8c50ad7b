"""The notifications consumer and API against real Postgres and Redis, SNS in moto."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from plaza.models import PageQuery
from plaza.notifications import repo, service
from plaza.notifications.models import PreferencesIn, ReadIn
from plaza.social import service as social
from plaza.stores import db
from tests.integration.notifications.conftest import MakeUser, pushes
from tests.support.lambdas import FakeContext, http_event, load_function, problem_of

consume = load_function("functions/notifications/consume.py")


def _record(body: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
    return {"messageId": message_id or str(uuid.uuid4()), "body": json.dumps(body),
            "eventSource": "aws:sqs"}


def _follow(actor: str, recipient: str) -> dict[str, Any]:
    return {"kind": "follow", "recipient_id": recipient, "actor_id": actor, "data": {},
            "dedupe_key": f"follow:{actor}"}


def _authorized(user_id: str, role: str = "user") -> dict[str, Any]:
    return {"user_id": user_id, "role": role, "device_id": "device-0001", "session_id": str(uuid.uuid4())}


def test_a_redelivered_message_is_stored_and_pushed_once(make_user: MakeUser, sns: Any) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    service.register_push_token(bob, "bob-phone-1", "fcm", "fcm-token-bob")
    record = _record(_follow(ann, bob))

    assert consume.handler({"Records": [record]}, FakeContext()) == {"batchItemFailures": []}
    assert consume.handler({"Records": [record]}, FakeContext()) == {"batchItemFailures": []}

    page = service.page(bob, PageQuery())
    assert [(n.kind, n.actor_username) for n in page.items] == [("follow", "ann")]
    [pushed] = pushes()
    assert "ann followed you" in pushed


def test_a_kind_turned_off_stores_and_pushes_nothing(make_user: MakeUser, sns: Any) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    service.register_push_token(bob, "bob-phone-1", "fcm", "fcm-token-bob")
    assert service.update_preferences(bob, PreferencesIn(follow=False)).follow is False

    consume.handler({"Records": [_record(_follow(ann, bob))]}, FakeContext())

    assert service.page(bob, PageQuery()).items == []
    assert pushes() == []
    assert service.preferences(bob).like is True


def test_a_blocked_actor_notifies_nothing(make_user: MakeUser, sns: Any) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    social.block(bob, "ann")
    assert service.handle(_follow(ann, bob)) is None
    assert service.page(bob, PageQuery()).items == []


def test_mentions_from_the_fanout_state_machine_are_stored_once_per_post(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = str(uuid.uuid4())
    mention = {"kind": "mention", "post_id": post_id, "author_id": ann, "user_id": bob}
    consume.handler({"Records": [_record(mention), _record(mention)]}, FakeContext())

    [stored] = service.page(bob, PageQuery()).items
    assert (stored.kind, stored.data, stored.actor_id) == ("mention", {"post_id": post_id}, ann)


def test_a_malformed_message_is_dropped_and_a_failing_one_is_reported(make_user: MakeUser) -> None:
    bob = make_user("bob")
    missing_actor = {"kind": "follow", "recipient_id": bob, "actor_id": str(uuid.uuid4()),
                     "dedupe_key": "follow:ghost"}  # the actor's FK fails: a store error, retried
    result = consume.handler({"Records": [
        {"messageId": "not-json", "body": "{"},
        _record({"kind": "poke", "recipient_id": bob}, "unknown-kind"),
        _record(missing_actor, "fails"),
    ]}, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "fails"}]}


def test_unread_count_follows_reads_by_ids_and_all(make_user: MakeUser) -> None:
    bob = make_user("bob")
    actors = [make_user(f"fan{i}") for i in range(3)]
    stored = [service.handle(_follow(actor, bob)) for actor in actors]
    assert service.page(bob, PageQuery()).unread_count == 3

    first = stored[0]
    assert first is not None
    out = service.mark_read(bob, ReadIn(ids=[uuid.UUID(first.id)]))
    assert (out.updated, out.unread_count) == (1, 2)
    assert service.mark_read(bob, ReadIn(ids=[uuid.UUID(first.id)])).updated == 0

    out = service.mark_read(bob, ReadIn(all=True))
    assert (out.updated, out.unread_count) == (2, 0)
    assert all(n.read for n in service.page(bob, PageQuery()).items)


def test_reading_someone_elses_notification_changes_nothing(make_user: MakeUser) -> None:
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    stored = service.handle(_follow(ann, bob))
    assert stored is not None
    assert service.mark_read(cid, ReadIn(ids=[uuid.UUID(stored.id)])).updated == 0
    assert service.page(bob, PageQuery()).unread_count == 1


def test_pages_walk_newest_first_with_the_cursor(make_user: MakeUser) -> None:
    bob = make_user("bob")
    for i in range(5):
        service.handle(_follow(make_user(f"fan{i}"), bob))

    first = service.page(bob, PageQuery(limit=3))
    second = service.page(bob, PageQuery(limit=3, cursor=first.next_cursor))
    names = [n.actor_username for n in first.items + second.items]
    assert names == [f"fan{i}" for i in reversed(range(5))]
    assert second.next_cursor is None


def test_the_list_handler_bounds_the_page_size(make_user: MakeUser) -> None:
    bob = make_user("bob")
    inbox = load_function("functions/notifications/inbox.py")
    response = inbox.handler(http_event("GET", "/v1/notifications", query={"limit": "500"},
                                        authorizer=_authorized(bob)), FakeContext())
    assert response["statusCode"] == 422
    assert response["headers"]["content-type"] == "application/problem+json"


def test_read_needs_exactly_one_of_ids_and_all(make_user: MakeUser) -> None:
    bob = make_user("bob")
    read = load_function("functions/notifications/read.py")
    for body in ({}, {"ids": [str(uuid.uuid4())], "all": True}, {"ids": ["nope"]}):
        response = read.handler(http_event("POST", "/v1/notifications/read", body=body,
                                           authorizer=_authorized(bob)), FakeContext())
        assert response["statusCode"] == 422, body


@pytest.mark.parametrize(("role", "status"), [("user", 403), ("moderator", 403), ("admin", 202)])
def test_announcements_need_the_admin_role(make_user: MakeUser, role: str, status: int) -> None:
    boss = make_user("boss")
    announce = load_function("functions/notifications/announce.py")
    response = announce.handler(http_event("POST", "/v1/admin/announcements",
                                           body={"title": "Maintenance", "text": "Tonight at 2"},
                                           authorizer=_authorized(boss, role)), FakeContext())
    assert response["statusCode"] == status
    records = db.fetch_all("SELECT actor_id::text AS actor, action, target_id, changes"
                           " FROM audit_log")
    if status == 202:
        sent = json.loads(response["body"])
        assert sent["reached"] == 0
        assert records == [{"actor": boss, "action": "announcement", "target_id": "announcements",
                            "changes": {"before": {}, "after": {
                                "id": sent["id"], "title": "Maintenance", "text": "Tonight at 2",
                                "reached": 0}}}]
    else:
        assert records == []


def test_a_token_moves_to_the_device_that_registers_it_last(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    service.register_push_token(ann, "shared-phone", "fcm", "same-token")
    service.register_push_token(bob, "shared-phone", "fcm", "same-token")
    assert repo.push_tokens(ann) == []
    assert [t["token"] for t in repo.push_tokens(bob)] == ["same-token"]


def test_a_disabled_push_endpoint_forgets_the_token(make_user: MakeUser, sns: Any) -> None:
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    service.register_push_token(bob, "bob-phone-1", "fcm", "fcm-token-bob")
    consume.handler({"Records": [_record(_follow(ann, bob))]}, FakeContext())
    [token] = repo.push_tokens(bob)
    assert token["endpoint_arn"] is not None
    sns.set_endpoint_attributes(EndpointArn=token["endpoint_arn"], Attributes={"Enabled": "false"})

    assert consume.handler({"Records": [_record(_follow(cid, bob))]}, FakeContext()) == {
        "batchItemFailures": []}
    assert len(service.page(bob, PageQuery()).items) == 2  # stored even when the push fails
    assert repo.push_tokens(bob) == []
    assert len(pushes()) == 1


def test_a_push_token_is_registered_only_for_the_callers_own_device(make_user: MakeUser) -> None:
    push_token = load_function("functions/notifications/push_token.py")
    bob = make_user("bob")
    caller = _authorized(bob)  # signed in on device-0001

    def put(device_id: str) -> dict[str, Any]:
        return dict(push_token.handler(http_event(
            "PUT", f"/v1/devices/{device_id}/push-token", path_params={"device_id": device_id},
            body={"platform": "fcm", "token": f"token-of-{device_id}"}, authorizer=caller),
            FakeContext()))

    assert problem_of(put("someone-elses-phone"), 403)["type"].endswith("/forbidden")
    assert repo.push_tokens(bob) == []
    assert put("device-0001")["statusCode"] == 204
    assert [t["device_id"] for t in repo.push_tokens(bob)] == ["device-0001"]
