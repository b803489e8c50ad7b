"""Migrations: applied in order, recorded, idempotent, and a changed file is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from plaza.stores import migrations
from tests.support.databases import scratch_database


@pytest.fixture
def scratch(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to a database of its own, dropped afterwards."""
    with scratch_database(database_url, "migrations") as url, \
            psycopg.connect(url, autocommit=True) as conn:
        yield conn


def _write(directory: Path, name: str, sql: str) -> None:
    (directory / name).write_text(sql)


def test_files_apply_in_numeric_order_and_are_recorded(scratch: psycopg.Connection,
                                                       tmp_path: Path) -> None:
    _write(tmp_path, "0002_add_column.sql", "ALTER TABLE things ADD COLUMN label text;")
    _write(tmp_path, "0001_create.sql", "CREATE TABLE things (id int PRIMARY KEY);")
    assert migrations.apply(scratch, tmp_path) == ["0001_create.sql", "0002_add_column.sql"]
    rows = scratch.execute(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version").fetchall()
    expected = migrations.discover(tmp_path)
    assert rows == [(m.version, m.name, m.checksum) for m in expected]
    scratch.execute("INSERT INTO things (id, label) VALUES (1, 'x')")


def test_a_second_run_applies_nothing_and_a_new_file_alone(scratch: psycopg.Connection,
                                                           tmp_path: Path) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE things (id int);")
    migrations.apply(scratch, tmp_path)
    assert migrations.apply(scratch, tmp_path) == []
    _write(tmp_path, "0002_more.sql", "CREATE TABLE more_things (id int);")
    assert migrations.apply(scratch, tmp_path) == ["0002_more.sql"]


def test_a_file_changed_after_it_was_applied_is_refused(scratch: psycopg.Connection,
                                                        tmp_path: Path) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE things (id int);")
    migrations.apply(scratch, tmp_path)
    _write(tmp_path, "0001_create.sql", "CREATE TABLE things (id bigint);")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        migrations.apply(scratch, tmp_path)


def test_a_failing_file_keeps_the_earlier_ones_and_releases_the_lock(
    scratch: psycopg.Connection, tmp_path: Path,
) -> None:
    _write(tmp_path, "0001_ok.sql", "CREATE TABLE things (id int);")
    _write(tmp_path, "0002_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrations.apply(scratch, tmp_path)
    versions = scratch.execute("SELECT version FROM schema_migrations").fetchall()
    assert versions == [("0001",)]
    assert scratch.execute("SELECT to_regclass('half')").fetchone() == (None,)
    locks = scratch.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()
    assert locks == (0,)
    _write(tmp_path, "0002_broken.sql", "CREATE TABLE half (id int);")
    assert migrations.apply(scratch, tmp_path) == ["0002_broken.sql"]


def test_badly_named_or_duplicate_files_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "1_create.sql", "SELECT 1;")
    with pytest.raises(ValueError, match="0001_name.sql"):
        migrations.discover(tmp_path)
    (tmp_path / "1_create.sql").unlink()
    _write(tmp_path, "0001_a.sql", "SELECT 1;")
    _write(tmp_path, "0001_b.sql", "SELECT 1;")
    with pytest.raises(ValueError, match="share a number"):
        migrations.discover(tmp_path)


def test_the_shipped_migrations_apply_to_an_empty_database(scratch: psycopg.Connection) -> None:
    shipped = [m.name for m in migrations.discover()]
    assert shipped[:2] == ["0001_extensions.sql", "0002_search.sql"]
    assert migrations.apply(scratch) == shipped
    assert migrations.apply(scratch) == []
    assert scratch.execute("SELECT to_regclass('search_documents')").fetchone() == (
        "search_documents",)
