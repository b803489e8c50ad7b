"""A crashed embedded Postgres or Redis is restarted by the local cloud, as a managed service
would be: same port and URL, Postgres with its data, Redis empty, and the stack serves again.

The cloud here starts stores of its own (not the session's), so killing them harms no other test.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from localcloud.__main__ import apply_migrations
from localcloud.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_cloud() -> Iterator[RunningCloud]:
    """A local cloud on stores it started itself: no DATABASE_URL / REDIS_URL to take."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DATABASE_URL", raising=False)
        patch.delenv("REDIS_URL", raising=False)
        with running_local_cloud(ROOT / "template.yaml", prepare=[apply_migrations]) as running:
            yield running


def _store(cloud: RunningCloud, kind: type[EmbeddedPostgres | EmbeddedRedis]
           ) -> EmbeddedPostgres | EmbeddedRedis:
    assert cloud.cloud.stores is not None
    return next(store for store in cloud.cloud.stores.started if isinstance(store, kind))


def _kill_and_await_restart(cloud: RunningCloud, store: EmbeddedPostgres | EmbeddedRedis,
                            name: str) -> None:
    recorder = cloud.cloud.recorder
    mark = max((entry["seq"] for entry in recorder.recent("store", limit=1)), default=0)
    assert store.process is not None
    killed = store.process.pid
    os.kill(killed, signal.SIGKILL)

    def restarted() -> bool:
        return any(entry["seq"] > mark and entry["store"] == name
                   and entry["event"] == "restarted" for entry in recorder.recent("store"))

    eventually(restarted, timeout=60)
    assert store.process is not None and store.process.pid != killed
    assert store.process.poll() is None


def _ready(cloud: RunningCloud) -> bool:
    with httpx.Client(base_url=cloud.http_url, timeout=30) as client:
        return client.get("/health/ready").status_code == 200


def test_a_killed_redis_comes_back_empty_on_its_port(own_cloud: RunningCloud) -> None:
    store = _store(own_cloud, EmbeddedRedis)
    url = own_cloud.cloud.redis_url
    before = redis.Redis.from_url(url)
    before.set("survives", "no")
    before.close()

    _kill_and_await_restart(own_cloud, store, "redis")

    assert store.url == url
    after = redis.Redis.from_url(url)
    try:
        assert after.ping()
        assert after.get("survives") is None
    finally:
        after.close()
    eventually(lambda: _ready(own_cloud), timeout=30)
    rows = own_cloud.cloud.status["stores"]()
    assert {"store": "redis", "restarts": 1, "running": True}.items() <= next(
        row for row in rows if row["store"] == "redis").items()


def test_a_killed_postgres_comes_back_with_its_data(own_cloud: RunningCloud) -> None:
    store = _store(own_cloud, EmbeddedPostgres)
    url = own_cloud.cloud.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS restart_probe (note text)")
        conn.execute("INSERT INTO restart_probe VALUES ('kept')")

    _kill_and_await_restart(own_cloud, store, "postgres")

    assert store.url == url
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT note FROM restart_probe").fetchall() == [("kept",)]
    # The functions' kept connections died with the server; they reconnect and serve again.
    eventually(lambda: _ready(own_cloud), timeout=30)
