"""Account deletion against the real Postgres and Redis: the request, the cancel, every step of
the state machine run twice, the starter and the username's release."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws

from localcloud.embedded import EmbeddedStores
from plaza import config, errors
from plaza.accounts import deletion_steps, repo, service
from plaza.accounts.models import DeletionIn
from plaza.chat import service as chat
from plaza.chat.models import ConversationIn, MessageIn
from plaza.identity import passwords, session_state
from plaza.identity import repo as identity_repo
from plaza.identity import service as identity
from plaza.identity.models import LoginIn
from plaza.posts import service as posts
from plaza.posts.models import CommentIn
from plaza.search import sync
from plaza.social import service as social
from plaza.stores import aws, db
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.media import ready_media
from tests.support.search_backend import meilisearch_in_use
from tests.support.step_functions import stand_in_fanout_machine

PASSWORD = "a long and unusual passphrase 7"  # noqa: S105
MakeUser = Callable[[str], str]


@pytest.fixture
def make_user(clean_stores: EmbeddedStores) -> Iterator[MakeUser]:
    hashed = passwords.hash_password(PASSWORD)

    def make(username: str) -> str:
        row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                        hashed)
        return str(row["id"])

    yield make


@pytest.fixture
def meili(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    """Meilisearch (the faithful fake) configured, so the search step has documents to remove."""
    with meilisearch_in_use(monkeypatch) as fake:
        yield fake


def _documents(meili: FakeMeilisearch, index: str) -> set[str]:
    return set(meili.indexes.get(index, {}).get("documents", {}))


def _login(username: str, device: str = "device-0001") -> None:
    identity.login(LoginIn(username=username, password=PASSWORD), device, "203.0.113.7")


def _post(author_id: str, text: str) -> str:
    # Straight in: a post made through its service would start a fan-out, not this test's.
    row = db.fetch_one("INSERT INTO posts (author_id, text) VALUES (%s, %s) RETURNING id::text AS id",
                       (author_id, text))
    assert row is not None
    return str(row["id"])


def _status(user_id: str) -> str:
    row = db.fetch_one("SELECT status FROM users WHERE id = %s", (user_id,))
    assert row is not None
    return str(row["status"])


def _live_sessions(user_id: str) -> int:
    return len(identity_repo.live_sessions(user_id))


def _due_now(user_id: str) -> None:
    db.execute("UPDATE account_deletions SET due_at = now() - interval '1 second'"
               " WHERE user_id = %s", (user_id,))


def test_a_request_needs_the_password_hides_the_account_and_ends_its_sessions(
        make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    _login("ann")
    _login("ann", "device-0002")
    assert _live_sessions(ann) == 2
    with pytest.raises(errors.Forbidden):
        service.request_deletion(ann, DeletionIn(password="wrong"))
    assert _status(ann) == "active"

    scheduled = service.request_deletion(ann, DeletionIn(password=PASSWORD))
    assert scheduled.status == "scheduled"
    assert scheduled.due_at - scheduled.requested_at == service.GRACE
    assert _status(ann) == "deleting" and _live_sessions(ann) == 0
    with pytest.raises(errors.NotFound):
        social.profile(bob, "ann")
    again = service.request_deletion(ann, DeletionIn(password=PASSWORD))
    assert again.requested_at == scheduled.requested_at
    # Signing in the usual way is refused: the cancel route is the way back.
    with pytest.raises(errors.Forbidden):
        _login("ann")


def test_signing_in_again_through_cancel_restores_the_account(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    service.request_deletion(ann, DeletionIn(password=PASSWORD))
    with pytest.raises(errors.Unauthorized):
        service.cancel_deletion(LoginIn(username="ann", password="wrong"), "203.0.113.7")
    service.cancel_deletion(LoginIn(username="ann", password=PASSWORD), "203.0.113.7")
    _login("ann")
    assert _status(ann) == "active" and _live_sessions(ann) == 1
    session_state.ensure_active(ann, identity_repo.live_sessions(ann)[0]["session_id"])
    with pytest.raises(errors.Conflict):
        service.cancel_deletion(LoginIn(username="ann", password=PASSWORD), "203.0.113.7")
    assert social.profile(bob, "ann").username == "ann"
    # A cancelled deletion can be asked for again.
    assert service.request_deletion(ann, DeletionIn(password=PASSWORD)).status == "scheduled"


def test_a_due_deletion_cannot_be_cancelled(make_user: MakeUser) -> None:
    ann = make_user("ann")
    service.request_deletion(ann, DeletionIn(password=PASSWORD))
    _due_now(ann)
    with pytest.raises(errors.Conflict):
        service.cancel_deletion(LoginIn(username="ann", password=PASSWORD), "203.0.113.7")


def _counts(user_id: str) -> dict[str, int]:
    row = db.fetch_one(
        "SELECT (SELECT count(*) FROM follows WHERE follower_id = %(u)s OR followee_id = %(u)s)"
        " AS follows, (SELECT count(*) FROM likes WHERE user_id = %(u)s) AS likes,"
        " (SELECT count(*) FROM posts WHERE author_id = %(u)s) AS posts,"
        " (SELECT count(*) FROM comments WHERE author_id = %(u)s) AS comments,"
        " (SELECT count(*) FROM messages WHERE sender_id = %(u)s) AS messages,"
        " (SELECT count(*) FROM conversation_members WHERE user_id = %(u)s) AS memberships,"
        " (SELECT count(*) FROM sessions WHERE user_id = %(u)s AND revoked_at IS NULL) AS sessions,"
        " (SELECT count(*) FROM push_tokens WHERE user_id = %(u)s) AS push_tokens",
        {"u": user_id})
    assert row is not None
    return {key: int(value) for key, value in row.items()}


def test_every_step_removes_its_part_once_and_a_rerun_changes_nothing(
        make_user: MakeUser, meili: FakeMeilisearch) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    social.follow(ann, "bob")
    social.follow(bob, "ann")
    bobs_post, anns_post = _post(bob, "bob's post"), _post(ann, "ann's post")
    posts.like(ann, bobs_post)
    posts.add_comment(ann, bobs_post, CommentIn(text="nice"))
    posts.add_comment(bob, anns_post, CommentIn(text="yours too"))
    conversation = chat.create_conversation(ann, ConversationIn(usernames=["bob"],
                                                                title=None)).value.id
    chat.send_message(ann, conversation, MessageIn(client_msg_id="a-1", text="hello"))
    chat.send_message(bob, conversation, MessageIn(client_msg_id="b-1", text="hi ann"))
    for kind, subject in (("user", ann), ("user", bob), ("post", anns_post), ("post", bobs_post)):
        assert sync.handle({"kind": kind, "id": subject}) == "indexed"
    service.request_deletion(ann, DeletionIn(password=PASSWORD))
    # The request ended the sessions already; the push token of a device stays for the step.
    db.execute("INSERT INTO push_tokens (user_id, device_id, platform, token)"
               " VALUES (%s, 'device-0001', 'fcm', 'token-of-anns-phone')", (ann,))
    _login("bob")

    with pytest.raises(errors.Invalid):  # not due: no step runs before its time
        deletion_steps.run_step("social", ann)
    _due_now(ann)
    with stand_in_fanout_machine(pytest.MonkeyPatch()) as (_, arn):
        started = service.start_due_deletions(arn)
    assert started["claimed"] == 1 and started["started"] == 1

    with mock_aws():
        # An export of ann's that failed half way: its row and a part file on S3.
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="exports")
        os.environ["EXPORTS_BUCKET"] = "exports"
        aws.reset()
        export = db.fetch_one("INSERT INTO data_exports (user_id, status) VALUES (%s, 'failed')"
                              " RETURNING id::text AS id", (ann,))
        assert export is not None
        s3.put_object(Bucket="exports", Key=f"exports/{export['id']}/parts/00001.jsonl", Body=b"{}")
        # An upload of ann's, its object and a variant in the media bucket.
        s3.create_bucket(Bucket="media")
        os.environ["MEDIA_BUCKET"] = "media"
        config.reset_settings()
        upload = ready_media(ann)
        db.execute("UPDATE media SET variants = jsonb_build_object('thumb', %s::text) WHERE id = %s",
                   (f"public/{upload}/thumb.webp", upload))
        for key in (f"uploads/{upload}", f"public/{upload}/thumb.webp"):
            s3.put_object(Bucket="media", Key=key, Body=b"bytes")
        try:
            for step in deletion_steps.STEPS:
                first = deletion_steps.run_step(step, ann)
                assert first > 0, step
                assert deletion_steps.run_step(step, ann) == 0, f"{step} changed something on its rerun"
            assert s3.list_objects_v2(Bucket="exports").get("KeyCount") == 0
            assert s3.list_objects_v2(Bucket="media").get("KeyCount") == 0
        finally:
            del os.environ["EXPORTS_BUCKET"]
            del os.environ["MEDIA_BUCKET"]
            config.reset_settings()
            aws.reset()
    assert _documents(meili, "users") == {bob} and _documents(meili, "posts") == {bobs_post}
    assert _counts(ann) == {"follows": 0, "likes": 0, "posts": 0, "comments": 0, "messages": 0,
                            "memberships": 0, "sessions": 0, "push_tokens": 0}
    assert db.fetch_one("SELECT follower_count, following_count FROM users WHERE id = %s",
                        (bob,)) == {"follower_count": 0, "following_count": 0}
    refreshed = db.fetch_one("SELECT like_count, comment_count FROM posts WHERE id = %s",
                             (bobs_post,))
    assert refreshed == {"like_count": 0, "comment_count": 0}
    history = chat.message_page(bob, conversation, 10, None).items
    assert [(item.text, item.sender_id) for item in history] == [("hi ann", bob), ("hello", None)]
    assert _live_sessions(bob) == 1
    tombstone = db.fetch_one("SELECT status, display_name, email::text AS email FROM users"
                             " WHERE id = %s", (ann,))
    assert tombstone is not None and tombstone["status"] == "deleted"
    assert tombstone["email"].endswith("@deleted.invalid")
    # Every step once more, from the first, after the end: nothing changes, nothing fails.
    assert [deletion_steps.run_step(step, ann) for step in deletion_steps.STEPS] \
        == [0] * len(deletion_steps.STEPS)
    assert _documents(meili, "users") == {bob} and _documents(meili, "posts") == {bobs_post}


def test_the_username_is_freed_thirty_days_after_the_request(make_user: MakeUser) -> None:
    ann = make_user("ann")
    service.request_deletion(ann, DeletionIn(password=PASSWORD))
    _due_now(ann)
    with stand_in_fanout_machine(pytest.MonkeyPatch()) as (_, arn):
        service.start_due_deletions(arn)
        for step in deletion_steps.STEPS:
            deletion_steps.run_step(step, ann)
        assert service.start_due_deletions(arn)["usernames_freed"] == 0
        db.execute("UPDATE account_deletions SET username_free_at = now() - interval '1 second'"
                   " WHERE user_id = %s", (ann,))
        assert service.start_due_deletions(arn) == {"claimed": 0, "started": 0,
                                                    "usernames_freed": 1}
        assert service.start_due_deletions(arn)["usernames_freed"] == 0
    user = identity_repo.user_by_id(ann)
    assert user is not None and str(user["username"]).startswith("deleted-")
    assert len(str(user["username"])) <= 30
    make_user("ann")  # the name is anyone's again


def test_a_step_without_a_deletion_under_way_is_refused(make_user: MakeUser) -> None:
    ann = make_user("ann")
    with pytest.raises(errors.Invalid):
        deletion_steps.run_step("sessions", ann)
    with pytest.raises(errors.Invalid):
        deletion_steps.run_step("everything", ann)


def test_due_deletions_are_claimed_once(make_user: MakeUser) -> None:
    ann = make_user("ann")
    service.request_deletion(ann, DeletionIn(password=PASSWORD))
    _due_now(ann)
    now = dt.datetime.now(dt.UTC)
    assert repo.claim_due(now, 10) == [ann]
    assert repo.claim_due(now, 10) == []
