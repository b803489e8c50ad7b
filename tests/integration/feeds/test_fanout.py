"""Fan-out on write: batches of one statement each, idempotent on retry, blocked pairs skipped,
large authors left to the read-time merge."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from plaza.feeds import fanout
from plaza.stores import db
from tests.integration.feeds.conftest import FanOut, Graph


@pytest.fixture
def insert_statements(graph: Graph) -> Iterator[Callable[[], int]]:
    """How many INSERT statements reached home_feed_entries since the fixture started."""
    db.execute("CREATE TABLE feed_insert_statements (n int)")
    db.execute("CREATE FUNCTION count_feed_insert() RETURNS trigger LANGUAGE plpgsql AS"
               " $$ BEGIN INSERT INTO feed_insert_statements VALUES (1); RETURN NULL; END $$")
    db.execute("CREATE TRIGGER count_feed_insert AFTER INSERT ON home_feed_entries"
               " FOR EACH STATEMENT EXECUTE FUNCTION count_feed_insert()")

    def count() -> int:
        row = db.fetch_one("SELECT count(*) AS n FROM feed_insert_statements")
        return int(row["n"]) if row else 0

    try:
        yield count
    finally:
        db.execute("DROP TRIGGER count_feed_insert ON home_feed_entries")
        db.execute("DROP FUNCTION count_feed_insert()")
        db.execute("DROP TABLE feed_insert_statements")


def test_a_batch_of_1500_followers_is_one_statement_that_skips_blocked_pairs(
        graph: Graph, insert_statements: Callable[[], int],
        feed_settings: Callable[..., None]) -> None:
    feed_settings(fanout_batch_size=1500)
    author = graph.user("author")
    followers = graph.followers(author, 1500)
    graph.block(author, followers[0])
    graph.block(followers[1], author)
    post = graph.post(author)

    plan = fanout.plan_fanout(post)
    assert plan["found"] and plan["batches"] == [{"after": None, "upto": None}]
    written = fanout.write_batch(post, plan["batches"][0])

    assert insert_statements() == 1
    assert written == 1498
    assert graph.feed_rows(post) == set(followers[2:])


def test_a_retried_batch_writes_nothing_twice(graph: Graph, fan_out: FanOut) -> None:
    author = graph.user("author")
    followers = graph.followers(author, 30)
    post = graph.post(author)
    assert fan_out(post) == 30
    assert fan_out(post) == 0
    batch = fanout.plan_fanout(post)["batches"][0]
    assert fanout.write_batch(post, batch) == 0
    row = db.fetch_one("SELECT count(*) AS n FROM home_feed_entries")
    assert row is not None and row["n"] == 30
    assert graph.feed_rows(post) == set(followers)


def test_followers_are_split_into_batches_of_the_configured_size_and_paged(
        graph: Graph, fan_out: FanOut, feed_settings: Callable[..., None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    feed_settings(fanout_batch_size=3)
    monkeypatch.setattr(fanout, "MAX_BATCHES_PER_PLAN", 2)
    author = graph.user("author")
    followers = graph.followers(author, 14)
    post = graph.post(author)

    first = fanout.plan_fanout(post)
    assert len(first["batches"]) == 2 and first["next"] == first["batches"][-1]["upto"]
    sizes = [fanout.write_batch(post, batch) for batch in first["batches"]]
    assert sizes == [3, 3]
    second = fanout.plan_fanout(post, first["next"])
    assert [batch["upto"] is None for batch in second["batches"]] == [False, False]
    third = fanout.plan_fanout(post, second["next"])
    # 2 followers left: one open-ended batch, which also takes whoever follows meanwhile.
    assert third["next"] is None and [b["upto"] for b in third["batches"]] == [None]
    assert fan_out(post) == 8  # the remaining pages, as the state machine loops over them
    assert graph.feed_rows(post) == set(followers)


def test_authors_above_the_threshold_are_not_fanned_out(
        graph: Graph, fan_out: FanOut, feed_settings: Callable[..., None]) -> None:
    feed_settings(fanout_follower_threshold=5)
    at_threshold, above = graph.user("at_threshold"), graph.user("above")
    graph.followers(at_threshold, 5, prefix="a")
    graph.followers(above, 6, prefix="b")
    small_post, big_post = graph.post(at_threshold), graph.post(above)
    assert fan_out(small_post) == 5
    plan = fanout.plan_fanout(big_post)
    assert plan["found"] and plan["batches"] == [] and plan["next"] is None
    assert fan_out(big_post) == 0


def test_a_deleted_or_unknown_post_plans_nothing(graph: Graph) -> None:
    author = graph.user("author")
    graph.followers(author, 3)
    post = graph.post(author)
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (post,))
    assert fanout.plan_fanout(post)["found"] is False
    assert fanout.plan_fanout("00000000-0000-4000-8000-000000000000")["found"] is False


def test_mentions_travel_with_the_plan_for_the_notifications(graph: Graph) -> None:
    author, mentioned = graph.user("author"), graph.user("mentioned")
    post = graph.post(author, "hi @mentioned")
    db.execute("INSERT INTO mentions (post_id, user_id) VALUES (%s, %s)", (post, mentioned))
    assert fanout.plan_fanout(post)["mentions"] == [mentioned]


@pytest.mark.parametrize("post_id", ["", "not-a-uuid", None, 42])
def test_a_task_with_a_bad_post_id_fails_as_invalid(post_id: object, graph: Graph) -> None:
    from plaza import errors

    with pytest.raises(errors.Invalid):
        fanout.plan_fanout(post_id)
