"""Stores that keep their data (`make dev`'s .localcloud/data): what was written survives a stop
and start, the passwords persist in private files, and a run killed with kill -9 (its Postgres
and Redis left running, a postmaster.pid left behind) does not stop the next one from starting."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from localcloud.embedded import EmbeddedStores


@pytest.fixture
def data() -> Iterator[Path]:
    """A data directory like the project's: its parents let the cluster's user (postgres, when
    the tests run as root) pass, as a checkout's do; pytest's tmp_path (0700) would not."""
    parent = Path(tempfile.mkdtemp(prefix="plaza-kept-"))
    parent.chmod(0o711)
    yield parent / "data"
    shutil.rmtree(parent, ignore_errors=True)


def _write(stores: EmbeddedStores, value: str) -> None:
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (value text)")
        conn.execute("INSERT INTO kept VALUES (%s)", (value,))
    redis.Redis.from_url(stores.redis_url).set("kept", value)


def _read(stores: EmbeddedStores) -> tuple[list[str], bytes | None]:
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        rows = [row[0] for row in conn.execute("SELECT value FROM kept ORDER BY value")]
    return rows, redis.Redis.from_url(stores.redis_url).get("kept")  # type: ignore[return-value]


def test_data_and_passwords_survive_a_restart(data: Path) -> None:
    first = EmbeddedStores.start({}, keep_in=data)
    try:
        _write(first, "one")
    finally:
        first.stop()
    second = EmbeddedStores.start({}, keep_in=data)
    try:
        assert _read(second) == (["one"], b"one")
        # The same passwords (the URLs differ only in their ports).
        assert first.database_url.split("@")[0] == second.database_url.split("@")[0]
        assert first.redis_url.split("@")[0] == second.redis_url.split("@")[0]
    finally:
        second.stop()
    for name in ("postgres.password", "redis.password"):
        mode = stat.S_IMODE((data / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 in (0, 0o011)  # others may only pass


def test_a_killed_runs_stores_are_stopped_and_the_next_run_starts(data: Path) -> None:
    killed = EmbeddedStores.start({}, keep_in=data)
    _write(killed, "before the kill")
    # kill -9 of `make dev`: nobody stops its stores, which run on in their own sessions.
    orphans = [store.process for store in killed.started]
    assert all(process is not None and process.poll() is None for process in orphans)
    restarted = EmbeddedStores.start({}, keep_in=data)
    try:
        assert all(process is not None and process.wait(20) is not None for process in orphans)
        rows, _ = _read(restarted)
        assert rows == ["before the kill"]
    finally:
        restarted.stop()
        killed.stop()


def test_a_stale_postmaster_pid_is_no_obstacle(data: Path) -> None:
    EmbeddedStores.start({}, keep_in=data).stop()
    pid_file = data / "postgres" / "data" / "postmaster.pid"
    # A pid that is alive but no postgres of this directory (pids are reused after a reboot).
    pid_file.write_text(f"{os.getpid()}\n{data}\n")
    stores = EmbeddedStores.start({}, keep_in=data)
    try:
        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        stores.stop()
