"""Feed tests: users, follows and posts written straight to the stores, and the fan-out driven
the way the post_fanout state machine drives it (plan, every batch, plan again while `next`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.feeds import fanout
from plaza.stores import db


class Graph:
    """Makes users, follows and posts quickly (no Argon2, no email, no state machine)."""

    def user(self, username: str) -> str:
        row = db.fetch_one("INSERT INTO users (username, email, display_name) VALUES (%s, %s, %s)"
                           " RETURNING id::text AS id",
                           (username, f"{username}@example.edu", username.title()))
        assert row is not None
        return str(row["id"])

    def followers(self, author_id: str, count: int, prefix: str = "f") -> list[str]:
        """`count` new users who follow the author, in one statement each for users and follows."""
        rows = db.fetch_all(
            "INSERT INTO users (username, email) SELECT %(p)s || n, %(p)s || n || '@example.edu'"
            " FROM generate_series(1, %(count)s) n RETURNING id::text AS id",
            {"p": f"{prefix}_", "count": count})
        ids = [row["id"] for row in rows]
        db.execute("INSERT INTO follows (follower_id, followee_id)"
                   " SELECT unnest(%s::uuid[]), %s", (ids, author_id))
        return ids

    def follow(self, follower_id: str, followee_id: str) -> None:
        db.execute("INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s)",
                   (follower_id, followee_id))

    def block(self, blocker_id: str, blocked_id: str) -> None:
        """A block row alone, as if it raced a fan-out (the service would drop the follows too)."""
        db.execute("INSERT INTO blocks (blocker_id, blocked_id) VALUES (%s, %s)",
                   (blocker_id, blocked_id))

    def post(self, author_id: str, text: str = "hello", visibility: str = "public",
             likes: int = 0) -> str:
        row = db.fetch_one("INSERT INTO posts (author_id, text, visibility, like_count)"
                           " VALUES (%s, %s, %s, %s) RETURNING id::text AS id",
                           (author_id, text, visibility, likes))
        assert row is not None
        return str(row["id"])

    def feed_rows(self, post_id: str) -> set[str]:
        return {row["user_id"] for row in db.fetch_all(
            "SELECT user_id::text AS user_id FROM home_feed_entries WHERE post_id = %s", (post_id,))}


@pytest.fixture
def graph(clean_stores: EmbeddedStores) -> Graph:
    return Graph()


FanOut = Callable[[str], int]


@pytest.fixture
def fan_out(graph: Graph) -> FanOut:
    """Run a post's whole fan-out the way post_fanout.asl.json does; the rows written."""

    def run(post_id: str) -> int:
        written = 0
        plan = fanout.plan_fanout(post_id)
        while True:
            for batch in plan["batches"]:
                written += fanout.write_batch(post_id, batch)
            if plan["next"] is None:
                return written
            plan = fanout.plan_fanout(post_id, plan["next"])

    return run


@pytest.fixture
def feed_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set FANOUT_* settings for one test."""

    def apply(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        config.reset_settings()

    yield apply
    config.reset_settings()
