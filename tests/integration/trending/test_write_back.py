"""The scheduled write-back: recounted absolute counts into Postgres and the Redis counter cache."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from plaza.stores import db
from plaza.trending import scores, service
from plaza.trending.service import record_engagement
from tests.integration.trending.conftest import like
from tests.support.lambdas import FakeContext, load_event, load_function


def _counts(post_id: str) -> tuple[int, int]:
    row = db.fetch_one("SELECT like_count, comment_count FROM posts WHERE id = %s", (post_id,))
    assert row is not None
    return row["like_count"], row["comment_count"]


def test_write_back_repairs_drifted_counts_and_is_idempotent(make_user, make_post):
    author, fan = make_user("author"), make_user("fan")
    post = make_post(author)
    like(post, fan)
    db.execute("INSERT INTO comments (post_id, author_id, text) VALUES (%s, %s, 'hi')",
               (post, fan))
    db.execute("UPDATE posts SET like_count = 7, comment_count = 0 WHERE id = %s", (post,))
    record_engagement(post, "like")

    assert service.write_back_counts() == 1
    assert _counts(post) == (1, 1)
    assert scores.cached_counts([post]) == {post: (1, 1)}
    # Nothing changed since: a second run writes nothing and the counts stay.
    assert service.write_back_counts() == 0
    record_engagement(post, "comment")  # marks it again, as a retried event would
    assert service.write_back_counts() == 1
    assert _counts(post) == (1, 1)


def test_counters_move_with_engagement_once_seeded(make_user, make_post, redis_client):
    author, fan = make_user("author"), make_user("fan")
    post = make_post(author)
    record_engagement(post, "like")
    assert scores.cached_counts([post]) == {}  # no guessing from 0 before the first write-back
    like(post, fan)
    service.write_back_counts()

    record_engagement(post, "comment")

    assert scores.cached_counts([post]) == {post: (1, 1)}


def test_a_batch_claimed_by_a_run_that_died_is_written_by_the_next(make_user, make_post):
    author, fan = make_user("author"), make_user("fan")
    post = make_post(author)
    like(post, fan)
    db.execute("UPDATE posts SET like_count = 5 WHERE id = %s", (post,))
    record_engagement(post, "like")
    assert scores.claim_dirty(100) == [post]  # the run dies before writing back

    assert service.write_back_counts() == 1
    assert _counts(post) == (1, 0)


def test_the_scheduled_function_answers_its_sample_event(make_user, make_post):
    author, fan = make_user("author"), make_user("fan")
    post = make_post(author)
    like(post, fan)
    db.execute("UPDATE posts SET like_count = 0 WHERE id = %s", (post,))
    record_engagement(post, "like")
    function = load_function("functions/trending/write_back_counts.py")

    result = function.handler(load_event("trending/write_back_counts.json"), FakeContext())

    assert result == {"posts": 1}
    assert _counts(post) == (1, 0)


def test_likes_racing_the_write_back_leave_the_exact_count(make_user, make_post, database_url):
    author = make_user("author")
    post = make_post(author)
    fans = [make_user(f"fan{i}") for i in range(40)]
    stop = threading.Event()

    def like_and_unlike(users: list[str]) -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for user in users:
                conn.execute("INSERT INTO likes (post_id, user_id) VALUES (%s, %s)", (post, user))
            for user in users[::2]:
                conn.execute("DELETE FROM likes WHERE post_id = %s AND user_id = %s", (post, user))

    def write_back_until_stopped() -> None:
        while not stop.is_set():
            record_engagement(post, "like")
            service.write_back_counts()

    writer = threading.Thread(target=write_back_until_stopped)
    writer.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(like_and_unlike, [fans[i::4] for i in range(4)]))
    stop.set()
    writer.join()
    record_engagement(post, "like")
    service.write_back_counts()

    assert _counts(post) == (20, 0)
    assert scores.cached_counts([post]) == {post: (20, 0)}
