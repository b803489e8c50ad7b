"""`make dev`'s demo data: alice and bob follow each other, have posts with hashtags, likes and
comments, and a conversation, so a new user's first feed, trending page and chat are not empty;
an `admin` account has the admin role; seeding again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from localcloud import demo
from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e


@contextmanager
def _signed_in(cloud: RunningCloud, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cloud.http_url, timeout=30) as client:
        login = client.post("/v1/auth/login", headers={"x-device-id": f"demo-test-{username}"},
                            json={"username": username, "password": demo.PASSWORD})
        assert login.status_code == 200, login.text
        client.headers.update({"authorization": f"Bearer {login.json()['access_token']}",
                               "x-device-id": f"demo-test-{username}"})
        yield client


def _json(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_accounts_have_a_feed_trending_and_a_chat(main_cloud: RunningCloud,
                                                           clean_stores: EmbeddedStores) -> None:
    # Empty stores first: another module may have seeded the demo into this session's database
    # with a cloud that never ran, whose posts therefore never fanned out.
    accounts, notes = demo.seed(main_cloud.cloud)
    assert [a["status"] for a in accounts] == ["created"] * 3
    assert [a["username"] for a in accounts] == ["alice", "bob", "admin"]
    assert notes == []
    with _signed_in(main_cloud, "admin") as admin:
        assert _json(admin, "/v1/auth/me")["user"]["role"] == "admin"
        assert admin.get("/v1/admin/audit").status_code == 200
    with _signed_in(main_cloud, "alice") as alice:
        assert _json(alice, "/v1/auth/me")["user"]["email_verified"] is True
        bob = _json(alice, "/v1/users/bob")
        assert bob["bio"] and bob["followed_by_me"] and bob["follows_me"]

        def feed_with_bobs_posts() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = _json(alice, "/v1/feed/home")["items"]
            authors = {item["author"]["username"] for item in items}
            return items if authors == {"alice", "bob"} else None

        # Bob's posts reach alice's feed through the fan-out state machine.
        feed = eventually(feed_with_bobs_posts)
        bobs = [item for item in feed if item["author"]["username"] == "bob"]
        assert all(item["like_count"] >= 1 and item["comment_count"] >= 1 for item in bobs)
        assert all(item["hashtags"] for item in feed)

        hashtags = _json(alice, "/v1/trending/hashtags")
        assert {"plaza", "coffee"} <= {tag["tag"] for tag in hashtags["items"]}

        conversations = _json(alice, "/v1/conversations")["items"]
        assert len(conversations) >= 1
        conversation_id = conversations[0]["id"]
        messages = _json(alice, f"/v1/conversations/{conversation_id}/messages")["items"]
        assert {m["text"] for m in messages} == {text for _, _, text in demo.CONVERSATION}

        posts_before = len(_json(alice, "/v1/users/me/posts")["items"])
        accounts, _ = demo.seed(main_cloud.cloud)
        assert [a["status"] for a in accounts] == ["exists"] * 3
        assert len(_json(alice, "/v1/users/me/posts")["items"]) == posts_before
        again = _json(alice, f"/v1/conversations/{conversation_id}/messages")["items"]
        assert len(again) == len(messages)
