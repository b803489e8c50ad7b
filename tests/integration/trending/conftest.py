"""Trending tests: users, posts and likes written straight to the tables (no HTTP, no fan-out)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.stores import cache, db
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["MakeUser", "make_user"]


@pytest.fixture(autouse=True)
def _fresh_cache(clean_stores: EmbeddedStores) -> Iterator[None]:
    cache.reset()
    yield
    cache.reset()


@pytest.fixture
def make_post() -> Callable[..., str]:
    def make(author_id: str, text: str = "hello", visibility: str = "public",
             hashtags: tuple[str, ...] = ()) -> str:
        row = db.fetch_one(
            "INSERT INTO posts (author_id, text, visibility, hashtags) VALUES (%s, %s, %s, %s)"
            " RETURNING id::text AS id", (author_id, text, visibility, list(hashtags)))
        assert row is not None
        return str(row["id"])

    return make


def like(post_id: str, user_id: str) -> None:
    db.execute("INSERT INTO likes (post_id, user_id) VALUES (%s, %s)", (post_id, user_id))


def follow(follower_id: str, followee_id: str) -> None:
    db.execute("INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s)",
               (follower_id, followee_id))


def block(blocker_id: str, blocked_id: str) -> None:
    db.execute("INSERT INTO blocks (blocker_id, blocked_id) VALUES (%s, %s)",
               (blocker_id, blocked_id))
