"""Feed rows: one post fanned out to 10,000 followers through the real post_fanout state machine
(local cloud: moto's interpreter, our task handlers), against a raw COPY of the same rows; and the
home feed's p95 over 1,000,000 feed rows.

Fan-out is timed from start_execution to the moment the last of the 10,000 rows is committed
(polled every 2 ms), so it includes the interpreter, both task functions and the Map's batches.
The baseline COPYs the same (user_id, created_at, post_id, author_id) rows into a table shaped
like home_feed_entries (same keys and indexes): the floor any fan-out writing those rows pays.
The 1,000,000-row seed takes a while and shows a progress bar; it is not part of `make test`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parent.parent
FOLLOWERS = 10_000
FANOUT_RUNS = 3
GOAL_FANOUT_MS = 1000.0
# 100 readers x 10 followed authors x 1,000 posts each = 1,000,000 feed rows.
READERS, AUTHORS, POSTS_PER_AUTHOR, FOLLOWED = 100, 100, 1000, 10
HOME_SAMPLES = 300
GOAL_HOME_P95_MS = 15.0


def _progress(label: str, done: int, total: int) -> None:
    width = 40
    filled = width * done // total
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _seed_fanout(conn: Any) -> tuple[str, list[str]]:
    """An author with FOLLOWERS followers and FANOUT_RUNS posts; (author id, post ids)."""
    author = conn.execute("INSERT INTO users (username, email) VALUES ('bench_author',"
                          " 'bench_author@example.edu') RETURNING id").fetchone()[0]
    conn.execute("INSERT INTO users (username, email) SELECT 'bench_f' || n,"
                 " 'bench_f' || n || '@example.edu' FROM generate_series(1, %s) n", (FOLLOWERS,))
    conn.execute("INSERT INTO follows (follower_id, followee_id) SELECT id, %s FROM users"
                 " WHERE username LIKE 'bench\\_f%%'", (author,))
    posts = [str(conn.execute("INSERT INTO posts (author_id, text) VALUES (%s, %s) RETURNING id",
                              (author, f"bench post {n}")).fetchone()[0])
             for n in range(FANOUT_RUNS + 1)]
    return str(author), posts


def _copy_baseline_ms(conn: Any, post_id: str) -> float:
    """COPY the rows a fan-out of `post_id` writes into a twin of home_feed_entries."""
    rows = conn.execute("SELECT f.follower_id, p.created_at, p.id, p.author_id FROM posts p"
                        " JOIN follows f ON f.followee_id = p.author_id WHERE p.id = %s",
                        (post_id,)).fetchall()
    conn.execute("DROP TABLE IF EXISTS bench_feed_copy")
    conn.execute("CREATE TABLE bench_feed_copy (LIKE home_feed_entries INCLUDING ALL)")
    started = time.perf_counter()
    with conn.cursor().copy("COPY bench_feed_copy (user_id, created_at, post_id, author_id)"
                            " FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    elapsed = (time.perf_counter() - started) * 1000
    conn.execute("DROP TABLE bench_feed_copy")
    return elapsed


def _fanout_ms(client: Any, machine_arn: str, conn: Any, author: str, post_id: str) -> float:
    started = time.perf_counter()
    client.start_execution(stateMachineArn=machine_arn, name=f"post-{post_id}",
                           input=json.dumps({"post_id": post_id, "author_id": author}))
    while True:
        count = conn.execute("SELECT count(*) FROM home_feed_entries WHERE post_id = %s",
                             (post_id,)).fetchone()[0]
        if count >= FOLLOWERS:
            return (time.perf_counter() - started) * 1000
        if time.perf_counter() - started > 60:
            raise TimeoutError(f"fan-out wrote {count} of {FOLLOWERS} rows in 60 s")
        time.sleep(0.002)


def _fanout_rows(stores: Any) -> list[dict[str, Any]]:
    import boto3
    import psycopg

    from localcloud.cloud import LocalCloud, LocalCloudConfig

    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        author, posts = _seed_fanout(conn)
        cloud = LocalCloud(LocalCloudConfig(
            template=ROOT / "template.yaml", http_port=0, websocket_port=0, aws_port=0,
            database_url=stores.database_url, redis_url=stores.redis_url, echo_logs=False))
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(cloud.start(), loop).result(120)
            env = cloud.aws_env
            client = boto3.client("stepfunctions", endpoint_url=env["AWS_ENDPOINT_URL"],
                                  region_name=env["AWS_REGION"],
                                  aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                  aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
            arn = cloud.stack.state_machines["PostFanoutStateMachine"].arn
            # Warm-up: the first execution pays the task functions' cold starts.
            _fanout_ms(client, arn, conn, author, posts[0])
            samples = [_fanout_ms(client, arn, conn, author, post) for post in posts[1:]]
        finally:
            asyncio.run_coroutine_threadsafe(cloud.stop(), loop).result(60)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        baseline = report.median(_copy_baseline_ms(conn, post) for post in posts[1:])
    value = report.median(samples)
    return [report.row(f"fan-out of one post to {FOLLOWERS:,} followers, warm (state machine"
                       " start → all rows written)", round(value, 1), "ms", round(baseline, 1),
                       goal=f"<= {GOAL_FANOUT_MS:g} ms", ok=value <= GOAL_FANOUT_MS,
                       baseline_is="raw COPY of the same rows", samples=len(samples))]


def _seed_home(conn: Any) -> list[str]:
    """READERS readers whose feeds hold 1,000,000 rows in all; their ids."""
    total = READERS * FOLLOWED * POSTS_PER_AUTHOR
    conn.execute("INSERT INTO users (username, email) SELECT 'bench_a' || n,"
                 " 'bench_a' || n || '@example.edu' FROM generate_series(1, %s) n", (AUTHORS,))
    conn.execute("INSERT INTO users (username, email) SELECT 'bench_r' || n,"
                 " 'bench_r' || n || '@example.edu' FROM generate_series(1, %s) n", (READERS,))
    authors = [r[0] for r in conn.execute("SELECT id FROM users WHERE username LIKE 'bench\\_a%%'"
                                          " ORDER BY username").fetchall()]
    readers = [r[0] for r in conn.execute("SELECT id FROM users WHERE username LIKE 'bench\\_r%%'"
                                          " ORDER BY username").fetchall()]
    # Posts a minute apart, newest now, so pages walk a realistic spread of timestamps.
    conn.execute("INSERT INTO posts (author_id, text, created_at) SELECT a, 'bench', now()"
                 " - (n * interval '1 minute') - (random() * interval '1 minute')"
                 " FROM unnest(%s::uuid[]) a, generate_series(1, %s) n",
                 (authors, POSTS_PER_AUTHOR))
    for index, reader in enumerate(readers):
        followed = [authors[(index + step * 7) % AUTHORS] for step in range(FOLLOWED)]
        conn.execute("INSERT INTO follows (follower_id, followee_id)"
                     " SELECT %s, unnest(%s::uuid[])", (reader, followed))
        conn.execute("INSERT INTO home_feed_entries (user_id, created_at, post_id, author_id)"
                     " SELECT %s, p.created_at, p.id, p.author_id FROM posts p"
                     " WHERE p.author_id = ANY(%s::uuid[])", (reader, followed))
        _progress("seeding 1,000,000 feed rows", (index + 1) * FOLLOWED * POSTS_PER_AUTHOR, total)
    conn.execute("ANALYZE")
    return [str(reader) for reader in readers]


def _home_rows(stores: Any) -> list[dict[str, Any]]:
    import psycopg

    from plaza import config
    from plaza.feeds import home_cache, service
    from plaza.models import PageQuery
    from plaza.stores import cache

    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        readers = _seed_home(conn)
        rows = conn.execute("SELECT count(*) FROM home_feed_entries").fetchone()[0]
    os.environ["DATABASE_URL"] = stores.database_url
    os.environ["REDIS_URL"] = stores.redis_url
    config.reset_settings()
    cache.reset()
    rng = random.Random(7)
    first, cached, deep = [], [], []
    for _ in range(HOME_SAMPLES):
        reader = rng.choice(readers)
        # A fan-out to the reader would drop its cached page: the first read is a miss.
        home_cache.forget_home_pages([reader])
        started = time.perf_counter()
        page = service.home_page(reader, PageQuery(limit=20))
        first.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        service.home_page(reader, PageQuery(limit=20))
        cached.append((time.perf_counter() - started) * 1000)
        cursor = page.next_cursor
        for _ in range(rng.randrange(1, 25)):  # somewhere up to 500 posts deep
            page = service.home_page(reader, PageQuery(limit=20, cursor=cursor))
            cursor = page.next_cursor
        started = time.perf_counter()
        service.home_page(reader, PageQuery(limit=20, cursor=cursor))
        deep.append((time.perf_counter() - started) * 1000)

    def p95(samples: list[float]) -> float:
        return round(sorted(samples)[int(len(samples) * 0.95) - 1], 2)

    return [report.row(f"home feed p95, first page of 20 ({rows:,} feed rows)", p95(first), "ms",
                       goal=f"<= {GOAL_HOME_P95_MS:g} ms", ok=p95(first) <= GOAL_HOME_P95_MS,
                       p50=round(report.median(first), 2), samples=len(first)),
            report.row(f"home feed p95, first page of 20 read through the cache ({rows:,} feed rows)",
                       p95(cached), "ms", goal=f"<= {GOAL_HOME_P95_MS:g} ms",
                       ok=p95(cached) <= GOAL_HOME_P95_MS, p50=round(report.median(cached), 2),
                       samples=len(cached)),
            report.row(f"home feed p95, a page up to 500 posts deep ({rows:,} feed rows)",
                       p95(deep), "ms", goal=f"<= {GOAL_HOME_P95_MS:g} ms",
                       ok=p95(deep) <= GOAL_HOME_P95_MS, p50=round(report.median(deep), 2),
                       samples=len(deep))]


def rows() -> list[dict[str, Any]]:
    from localcloud.embedded import EmbeddedStores

    # A store of its own: the seeds must not meet another topic's data.
    stores = EmbeddedStores.start({})
    saved = dict(os.environ)
    try:
        import psycopg

        from plaza.stores import migrations

        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            migrations.apply(conn)
        return _fanout_rows(stores) + _home_rows(stores)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from plaza import config
        from plaza.stores import db

        db.close()
        config.reset_settings()
        stores.stop()
