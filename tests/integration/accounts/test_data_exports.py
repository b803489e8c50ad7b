"""Data export against the real Postgres and moto's S3, SQS and Step Functions: one a day, the
machine's tasks run by hand (each twice), the zip's export.json and index.html, the notification."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from localcloud.embedded import EmbeddedStores
from plaza import errors
from plaza.accounts import exports
from plaza.chat import service as chat
from plaza.chat.models import ConversationIn, MessageIn
from plaza.identity import passwords
from plaza.identity import repo as identity_repo
from plaza.notifications import service as notifications
from plaza.posts import service as posts
from plaza.posts.models import CommentIn
from plaza.social import service as social
from plaza.stores import db
from tests.support.moto import plaza_on_moto

BUCKET = "plaza-exports-test"


@pytest.fixture
def cloud(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto's S3 bucket, the notifications queue and a do-nothing data_export machine."""
    with plaza_on_moto(monkeypatch):
        s3, sqs = boto3.client("s3"), boto3.client("sqs")
        s3.create_bucket(Bucket=BUCKET)
        queue = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        machine = boto3.client("stepfunctions").create_state_machine(
            name="data-export", roleArn="arn:aws:iam::123456789012:role/sfn",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        )["stateMachineArn"]
        monkeypatch.setenv("EXPORTS_BUCKET", BUCKET)
        monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", queue)
        yield {"s3": s3, "sqs": sqs, "queue": queue, "machine": machine}


def _user(username: str) -> str:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                    passwords.hash_password("a long and unusual passphrase 7"))
    return str(row["id"])


def _post(author_id: str, text: str) -> str:
    row = db.fetch_one("INSERT INTO posts (author_id, text) VALUES (%s, %s) RETURNING id::text AS id",
                       (author_id, text))
    assert row is not None
    return str(row["id"])


def _queued(cloud: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message on the notifications queue (follows, likes and messages queue theirs too)."""
    events: list[dict[str, Any]] = []
    while got := cloud["sqs"].receive_message(QueueUrl=cloud["queue"], MaxNumberOfMessages=10,
                                              VisibilityTimeout=60).get("Messages"):
        events += [json.loads(message["Body"]) for message in got]
    return events


def _run_machine(export_id: str) -> dict[str, Any]:
    """What the state machine does, every task twice (a retry or a rerun)."""
    plan = exports.plan(export_id)
    assert exports.plan(export_id) == plan
    for page in plan["pages"]:
        assert exports.write_page(page) == exports.write_page(page)
    exports.assemble(export_id, plan["pages"])
    assert exports.assemble(export_id, plan["pages"]) == {"export_id": export_id, "status": "ready"}
    return plan


def test_an_export_collects_the_users_data_into_one_zip_once(
        cloud: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "PAGE_ROWS", 3)  # several pages per section
    ann, bob = _user("ann"), _user("bob")
    social.follow(ann, "bob")
    social.follow(bob, "ann")
    anns = [_post(ann, f"post {number}") for number in range(7)]
    anns.append(_post(ann, "<script>alert('x')</script> & more"))
    bobs = _post(bob, "bob's post")
    posts.like(ann, bobs)
    posts.add_comment(ann, bobs, CommentIn(text="nice one"))
    conversation = chat.create_conversation(ann, ConversationIn(usernames=["bob"], title=None)).value.id
    for number in range(5):
        chat.send_message(ann, conversation, MessageIn(client_msg_id=f"a-{number}", text=f"hi {number}"))
    chat.send_message(bob, conversation, MessageIn(client_msg_id="b-1", text="not ann's"))

    started = exports.request_export(ann, cloud["machine"])
    assert started.status == "pending" and started.progress == 0 and started.download_url is None
    with pytest.raises(errors.RateLimited) as refused:
        exports.request_export(ann, cloud["machine"])
    assert refused.value.extra["export_id"] == started.id
    assert int(refused.value.headers["Retry-After"]) > 23 * 3600
    with pytest.raises(errors.NotFound):
        exports.export_status(bob, started.id)
    with pytest.raises(errors.NotFound):
        exports.export_status(ann, "not-an-id")

    plan = _run_machine(started.id)
    assert len([page for page in plan["pages"] if page["section"] == "posts"]) == 3

    ready = exports.export_status(ann, started.id)
    assert ready.status == "ready" and ready.progress == 1 and ready.download_url
    assert ready.expires_at is not None and ready.completed_at is not None
    assert BUCKET in ready.download_url and "Signature" in ready.download_url
    listed = cloud["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"exports/{started.id}/")["Contents"]
    assert [item["Key"] for item in listed] == [f"exports/{started.id}/plaza-export.zip"]

    body = cloud["s3"].get_object(Bucket=BUCKET, Key=listed[0]["Key"])["Body"].read()
    assert ready.size_bytes == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["export.json", "index.html"]
    data = json.loads(archive.read("export.json"))
    assert data["format"] == "plaza-export/1" and data["user_id"] == ann
    assert data["profile"]["username"] == "ann" and data["profile"]["email"] == "ann@example.edu"
    assert sorted(post["id"] for post in data["posts"]) == sorted(anns)
    assert [like["post_id"] for like in data["likes"]] == [bobs]
    assert [comment["text"] for comment in data["comments"]] == ["nice one"]
    assert sorted((f["direction"], f["username"]) for f in data["follows"]) == [
        ("follower", "bob"), ("following", "bob")]
    assert [c["id"] for c in data["conversations"]] == [conversation]
    assert sorted(m["text"] for m in data["messages"]) == [f"hi {n}" for n in range(5)]
    assert data["blocks"] == [] and isinstance(data["sessions"], list)
    page = archive.read("index.html").decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "<script>" not in page and "hi 4" in page and "not ann" not in page

    notices = [event for event in _queued(cloud) if event["kind"] == "export_ready"]
    assert len(notices) == 1
    assert notices[0]["recipient_id"] == ann and notices[0]["actor_id"] is None
    assert notices[0]["data"]["export_id"] == started.id
    # The consumer stores Plaza's own notice (no actor) once.
    stored = notifications.handle(notices[0])
    assert stored is not None and stored.kind == "export_ready" and stored.actor_id is None
    assert notifications.handle(notices[0]) is None


def test_a_failed_export_may_be_asked_for_again_at_once(cloud: dict[str, Any]) -> None:
    ann = _user("ann")
    first = exports.request_export(ann, cloud["machine"])
    exports.fail(first.id)
    assert exports.export_status(ann, first.id).status == "failed"
    with pytest.raises(errors.Invalid):
        exports.plan(first.id)
    second = exports.request_export(ann, cloud["machine"])
    assert second.id != first.id
    # The machine could not start (no ARN): the export fails and the user is told to retry.
    db.execute("DELETE FROM data_exports")
    with pytest.raises(errors.Unavailable):
        exports.request_export(ann, None)
    assert exports.request_export(ann, cloud["machine"]).status == "pending"


def test_an_expired_export_offers_no_link(cloud: dict[str, Any]) -> None:
    ann = _user("ann")
    started = exports.request_export(ann, cloud["machine"])
    _run_machine(started.id)
    db.execute("UPDATE data_exports SET expires_at = now() - interval '1 second'")
    gone = exports.export_status(ann, started.id)
    assert gone.status == "expired" and gone.download_url is None
