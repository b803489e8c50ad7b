"""SnapStart hooks (plaza.snapstart): a socket opened before the snapshot is closed and reopened
after the restore, and two environments restored from one snapshot never share a connection."""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
import snapshot_restore_py

import plaza
from plaza import snapstart
from plaza.stores import cache, db


def _run(registered: list[Any]) -> None:
    """What the Lambda runtime does at the snapshot (or the restore): every hook, in order."""
    for function, args, kwargs in registered:
        function(*args, **kwargs)


def _backend_pid() -> int:
    row = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert row is not None
    return int(row["pid"])


def test_importing_plaza_registers_the_hooks() -> None:
    assert plaza.snapstart.install()
    assert snapstart.before_snapshot in [f for f, _, _ in snapshot_restore_py.get_before_snapshot()]
    assert snapstart.after_restore in [f for f, _, _ in snapshot_restore_py.get_after_restore()]


def test_connections_opened_at_init_are_closed_before_the_snapshot_and_reopened_after(
        stores: Any) -> None:
    before = db.connection()
    pid = _backend_pid()
    redis_client = cache.client()
    assert redis_client.ping()

    _run(snapshot_restore_py.get_before_snapshot())
    assert before.closed
    assert cache._client is None  # the Redis client (and its pool) went with the snapshot

    _run(snapshot_restore_py.get_after_restore())
    assert _backend_pid() != pid
    assert db.connection() is not before
    assert cache.client().ping()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_restored_environments_never_share_a_connection(stores: Any) -> None:
    snapshot_pid = _backend_pid()
    _run(snapshot_restore_py.get_before_snapshot())
    restored: list[tuple[int, float]] = []
    for _ in range(2):
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # a restored environment: the snapshot's memory, then the restore hooks
            try:
                _run(snapshot_restore_py.get_after_restore())
                os.write(write_end, f"{_backend_pid()} {random.random()}".encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as reader:
            pid, drawn = reader.read().split()
        os.waitpid(child, 0)
        restored.append((int(pid), float(drawn)))
    (first_pid, first_draw), (second_pid, second_draw) = restored
    assert len({first_pid, second_pid, snapshot_pid}) == 3
    assert first_draw != second_draw  # reseeded: copies do not repeat one random sequence
    _run(snapshot_restore_py.get_after_restore())
