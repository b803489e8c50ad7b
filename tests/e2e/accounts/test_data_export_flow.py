"""Data export through the local cloud: the request route, the data_export state machine run by
moto with our task functions (a Map over pages, part files and a multipart zip on moto's S3), the
status route's progress and presigned link, the zip downloaded and read, and the notification."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def members(deployment: Deployment) -> Iterator[tuple[Member, Member]]:
    with ExitStack() as stack:
        suffix = uuid.uuid4().hex[:8]
        yield (Member(deployment, stack, f"ann_{suffix}"), Member(deployment, stack, f"bob_{suffix}"))


def _api(member: Member, method: str, path: str, json_body: Any = None) -> httpx.Response:
    with member.http() as client:
        return client.request(method, path, json=json_body)


def test_an_export_is_collected_zipped_linked_and_announced(
        members: tuple[Member, Member], main_cloud: RunningCloud) -> None:
    ann, bob = members
    assert _api(ann, "PUT", f"/v1/users/{bob.username}/follow").status_code in (200, 204)
    texts = [f"post number {number}" for number in range(3)] + ["<b>bold</b> & <i>brave</i>"]
    for text in texts:
        assert _api(ann, "POST", "/v1/posts", {"text": text}).status_code == 201
    conversation = _api(ann, "POST", "/v1/conversations", {"usernames": [bob.username]}).json()["id"]
    assert _api(ann, "POST", f"/v1/conversations/{conversation}/messages",
                {"client_msg_id": "m-1", "text": "a message of ann's"}).status_code == 201

    started = _api(ann, "POST", "/v1/me/exports")
    assert started.status_code == 202, started.text
    export = started.json()
    assert export["status"] == "pending" and export["progress"] == 0
    again = _api(ann, "POST", "/v1/me/exports")
    assert again.status_code == 429
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["export_id"] == export["id"] and int(again.headers["retry-after"]) > 3600
    assert _api(bob, "GET", f"/v1/me/exports/{export['id']}").status_code == 404
    assert _api(ann, "GET", "/v1/me/exports/not-an-id").status_code == 404

    def ready() -> dict[str, Any] | None:
        status = _api(ann, "GET", f"/v1/me/exports/{export['id']}").json()
        assert status["status"] in ("pending", "running", "ready"), status
        return status if status["status"] == "ready" else None

    done = eventually(ready, timeout=90)
    assert done["progress"] == 1 and done["download_url"] and done["size_bytes"] > 0

    download = httpx.get(done["download_url"], timeout=30)
    assert download.status_code == 200, download.text
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    data = json.loads(archive.read("export.json"))
    assert data["profile"]["username"] == ann.username
    assert sorted(post["text"] for post in data["posts"]) == sorted(texts)
    assert [message["text"] for message in data["messages"]] == ["a message of ann's"]
    assert [(f["direction"], f["username"]) for f in data["follows"]] == [("following", bob.username)]
    assert [c["id"] for c in data["conversations"]] == [conversation]
    assert len(data["sessions"]) >= 1
    assert data["media"] == []  # a section even when empty: the list of the user's uploads
    page = archive.read("index.html").decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;brave&lt;/i&gt;" in page and "<b>bold" not in page

    def announced() -> list[dict[str, Any]] | None:
        items = _api(ann, "GET", "/v1/notifications").json()["items"]
        return [item for item in items if item["kind"] == "export_ready"] or None

    [notice] = eventually(announced, timeout=30)
    assert notice["data"]["export_id"] == export["id"] and notice["actor_id"] is None

    def mailed() -> list[dict[str, Any]] | None:
        return [item for item in main_cloud.cloud.status["outbox"]()
                if item.get("channel") == "email" and f"{ann.username}@example.edu" in item.get("to", [])
                and "export" in item.get("subject", "").lower()] or None

    [mail] = eventually(mailed, timeout=30)
    # The link in the mail downloads the same zip.
    link = next(word for word in mail["body"].split() if word.startswith("http"))
    assert httpx.get(link, timeout=30).content == download.content
