"""The embedded stores on a shared machine: a password for every client, private files, and, as
root, a cluster that runs as postgres with none of root's groups."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
import redis

from localcloud.embedded import EmbeddedPostgres, EmbeddedRedis, cluster_owner

Store = TypeVar("Store", EmbeddedPostgres, EmbeddedRedis)


def _running(store: Store) -> Iterator[Store]:
    try:
        store.start()
        yield store
    finally:
        store.stop()


@pytest.fixture(scope="module")
def postgres() -> Iterator[EmbeddedPostgres]:
    yield from _running(EmbeddedPostgres())


@pytest.fixture(scope="module")
def redis_store() -> Iterator[EmbeddedRedis]:
    yield from _running(EmbeddedRedis())


def _answers(url: str) -> bool:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute("SELECT true").fetchone() == (True,)


def _process_ids(pid: int) -> dict[str, list[int]]:
    """The real/effective uid and gid and the supplementary groups of a running process."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return {name: [int(value) for value in fields[name].split()]
            for name in ("Uid", "Gid", "Groups")}


def test_postgres_refuses_a_client_without_the_password(postgres: EmbeddedPostgres) -> None:
    assert _answers(postgres.url)
    anonymous = f"postgresql://postgres@127.0.0.1:{postgres.port}/plaza"
    guessed = f"postgresql://postgres:postgres@127.0.0.1:{postgres.port}/plaza"
    over_socket = f"host={postgres.directory} port={postgres.port} user=postgres dbname=plaza"
    for url in (anonymous, guessed, over_socket):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(url, connect_timeout=5)


def test_redis_refuses_a_client_without_the_password(redis_store: EmbeddedRedis) -> None:
    with redis.Redis.from_url(redis_store.url) as client:
        assert client.set("k", "v") is True
    for password in (None, "guess"):
        with redis.Redis(port=redis_store.port, password=password, protocol=2) as client, \
                pytest.raises(redis.AuthenticationError):
            client.get("k")


def test_two_runs_get_different_passwords() -> None:
    assert EmbeddedPostgres().password != EmbeddedPostgres().password
    assert EmbeddedRedis().password != EmbeddedRedis().password


def test_passwords_are_on_no_command_line(postgres: EmbeddedPostgres,
                                          redis_store: EmbeddedRedis) -> None:
    for store in (postgres, redis_store):
        assert store.process is not None
        command_line = Path(f"/proc/{store.process.pid}/cmdline").read_bytes()
        assert store.password.encode() not in command_line


def test_store_directories_only_their_owner_can_open(postgres: EmbeddedPostgres,
                                                      redis_store: EmbeddedRedis) -> None:
    owner = cluster_owner()
    uid, gid = (owner.pw_uid, owner.pw_gid) if owner else (os.geteuid(), os.getegid())
    assert postgres.directory is not None and redis_store.directory is not None
    for directory in (postgres.directory, postgres.directory / "data"):
        info = directory.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700, directory
        assert (info.st_uid, info.st_gid) == (uid, gid), directory
    assert stat.S_IMODE(redis_store.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(redis_store.config_file.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to postgres")
def test_postgres_as_root_runs_as_postgres_without_roots_groups(
        postgres: EmbeddedPostgres) -> None:
    owner = cluster_owner()
    assert owner is not None and postgres.process is not None
    ids = _process_ids(postgres.process.pid)
    assert set(ids["Uid"]) == {owner.pw_uid}
    assert set(ids["Gid"]) == {owner.pw_gid}
    assert set(ids["Groups"]) <= {owner.pw_gid}


def test_restarted_stores_serve_at_once_with_their_password(postgres: EmbeddedPostgres,
                                              redis_store: EmbeddedRedis) -> None:
    for store in (postgres, redis_store):
        assert store.process is not None
        url = store.url
        store.process.send_signal(signal.SIGKILL)
        store.process.wait(10)
        assert store.restart() == url
    with redis.Redis.from_url(redis_store.url) as client:
        assert client.ping() is True
    # restart() returns once crash recovery is over: the store serves at once.
    assert _answers(postgres.url)
