"""A Postgres and a Redis a test may take down, and a local cloud running on them.

Started here, not by the local cloud: its supervisor restarts only the stores it started itself,
so an outage made here lasts until the test ends it. Private to the test module, so stopping
them harms no other test.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from localcloud.embedded import EmbeddedPostgres, EmbeddedRedis
from plaza.stores import migrations
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PrivateStores:
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis

    def stop_postgres(self) -> None:
        """A fast shutdown, as a restart or a failover does: every session is cut off."""
        process = self.postgres.process
        assert process is not None and process.poll() is None, "postgres is not running"
        process.send_signal(signal.SIGINT)
        process.wait(30)

    def start_postgres(self) -> None:
        """Postgres back on its port, with its data, once it takes connections again (it
        listens a moment before it has finished starting up)."""
        self.postgres.restart()
        eventually(self._answers, timeout=30, ignoring=(psycopg.OperationalError,))

    def _answers(self) -> bool:
        with psycopg.connect(self.postgres.url, connect_timeout=2) as conn:
            return conn.execute("SELECT true").fetchone() == (True,)

    def stall_redis(self) -> None:
        """Redis stops answering but keeps its connections open (a frozen node)."""
        assert self.redis.process is not None
        os.kill(self.redis.process.pid, signal.SIGSTOP)

    def resume_redis(self) -> None:
        assert self.redis.process is not None
        os.kill(self.redis.process.pid, signal.SIGCONT)

    def sql(self, statement: str, params: object = None) -> list[tuple[object, ...]]:
        """Run one statement on its own connection; the rows it returns."""
        with psycopg.connect(self.postgres.url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


@contextmanager
def private_stores() -> Iterator[PrivateStores]:
    """A migrated Postgres and an empty Redis of the caller's own, removed afterwards."""
    postgres, redis = EmbeddedPostgres(), EmbeddedRedis()
    try:
        postgres.start()
        redis.start()
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            migrations.apply(conn)
        yield PrivateStores(postgres, redis)
    finally:
        if redis.process is not None and redis.process.poll() is None:
            os.kill(redis.process.pid, signal.SIGCONT)  # a stalled one could not stop
        redis.stop()
        postgres.stop()


@contextmanager
def cloud_on(stores: PrivateStores, **extra_env: str) -> Iterator[RunningCloud]:
    """The main template in a local cloud on these stores (`extra_env` for every function)."""
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.postgres.url,
                             redis_url=stores.redis.url, extra_env=extra_env) as running:
        yield running


def deployment_of(cloud: RunningCloud) -> Deployment:
    stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    return Deployment(cloud.http_url, f"{cloud.websocket_url}/{stage}")
