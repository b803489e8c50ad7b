"""The container's Postgres connection: lazy, self-healing, bounded in time, parameterised."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from localcloud.embedded import free_port
from plaza import config
from plaza.errors import Unavailable
from plaza.stores import db


@pytest.fixture
def fresh_db(clean_stores: object) -> Iterator[str]:
    db.close()
    yield clean_stores.database_url  # type: ignore[attr-defined]
    db.close()


def _plaza_backends(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'plaza'"
            " AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def test_the_connection_opens_on_first_use_and_is_reused(fresh_db: str) -> None:
    assert _plaza_backends(fresh_db) == 0
    first = db.fetch_one("SELECT pg_backend_pid() AS pid")
    second = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert first == second
    assert _plaza_backends(fresh_db) == 1


def test_a_killed_connection_is_replaced_transparently(fresh_db: str) -> None:
    old = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert old is not None
    with psycopg.connect(fresh_db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old["pid"],))
    new = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert new is not None and new["pid"] != old["pid"]


def test_a_connection_killed_inside_a_transaction_is_not_retried(fresh_db: str) -> None:
    with pytest.raises(Unavailable) as raised, db.transaction():
        pid = db.fetch_one("SELECT pg_backend_pid() AS pid")
        with psycopg.connect(fresh_db, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid["pid"],))  # type: ignore[index]
        db.execute("SELECT 1")
    assert raised.value.extra["dependency"] == "postgres"
    assert db.fetch_one("SELECT 1 AS ok") == {"ok": 1}  # and the next call reconnects


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_transaction_on_a_connection_dropped_while_idle_begins_on_a_fresh_one(
    fresh_db: str,
) -> None:
    old = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert old is not None
    _terminate(fresh_db, old["pid"])
    db.execute("CREATE TABLE IF NOT EXISTS ledger_retry (entry text)")  # reconnects (not in a tx)
    stale = db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert stale is not None
    _terminate(fresh_db, stale["pid"])
    try:
        with db.transaction():
            db.execute("INSERT INTO ledger_retry VALUES (%s)", ("written once",))
            inside = db.fetch_one("SELECT pg_backend_pid() AS pid")
        assert inside is not None and inside["pid"] != stale["pid"]
        assert db.fetch_all("SELECT entry FROM ledger_retry") == [{"entry": "written once"}]
    finally:
        db.execute("DROP TABLE ledger_retry")


def test_a_savepoint_on_a_dropped_connection_is_not_retried_alone(fresh_db: str) -> None:
    with pytest.raises(Unavailable), db.transaction():
        pid = db.fetch_one("SELECT pg_backend_pid() AS pid")
        _terminate(fresh_db, pid["pid"])  # type: ignore[index]
        with db.transaction():  # a savepoint of the dead transaction: it must not start over
            db.execute("SELECT 1")
    assert db.fetch_one("SELECT 1 AS ok") == {"ok": 1}


def test_a_slow_statement_hits_the_timeout_as_unavailable(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "100")
    config.reset_settings()
    db.close()
    with pytest.raises(Unavailable) as raised:
        db.fetch_one("SELECT pg_sleep(2)")
    assert "too long" in raised.value.detail
    assert raised.value.extra["dependency"] == "postgres"
    assert db.fetch_one("SELECT 2 AS ok") == {"ok": 2}  # the connection survives a timeout


def test_a_failing_block_rolls_its_transaction_back(fresh_db: str) -> None:
    db.execute("CREATE TEMP TABLE ledger (entry text)")
    with db.transaction():
        db.execute("INSERT INTO ledger VALUES (%s)", ("kept",))
    with pytest.raises(ZeroDivisionError), db.transaction():
        db.execute("INSERT INTO ledger VALUES (%s)", ("lost",))
        1 / 0  # noqa: B018
    assert db.fetch_all("SELECT entry FROM ledger") == [{"entry": "kept"}]


def test_parameters_are_sent_as_data_never_as_sql(fresh_db: str) -> None:
    hostile = "x'); DROP TABLE schema_migrations; --"
    assert db.fetch_one("SELECT %s::text AS v", (hostile,)) == {"v": hostile}
    assert db.fetch_one("SELECT %(name)s::text AS v", {"name": hostile}) == {"v": hostile}
    assert db.fetch_one("SELECT count(*) AS n FROM schema_migrations")["n"] >= 1  # type: ignore[index]


def test_execute_reports_the_rows_it_touched(fresh_db: str) -> None:
    db.execute("CREATE TEMP TABLE counted (n int)")
    assert db.execute("INSERT INTO counted SELECT generate_series(1, 3)") == 3
    assert db.execute("DELETE FROM counted WHERE n > %s", (1,)) == 2
    assert db.fetch_all("SELECT n FROM counted") == [{"n": 1}]


def test_an_unreachable_or_missing_database_is_unavailable(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/plaza")
    config.reset_settings()
    db.close()
    with pytest.raises(Unavailable) as raised:
        db.ping()
    assert raised.value.extra["dependency"] == "postgres"
    monkeypatch.setenv("DATABASE_URL", "")
    config.reset_settings()
    with pytest.raises(Unavailable, match="not configured"):
        db.ping()


def test_repeated_statements_are_never_prepared_on_the_server(fresh_db: str) -> None:
    # psycopg prepares a query after 5 runs by default; behind RDS Proxy or PgBouncer in
    # transaction mode a server-side prepared statement pins or breaks the connection.
    for number in range(12):
        assert db.fetch_one("SELECT %s::int AS n", (number,)) == {"n": number}
    prepared = db.fetch_one("SELECT count(*) AS n FROM pg_prepared_statements")
    assert prepared == {"n": 0}


def test_the_connection_runs_in_autocommit_outside_a_transaction(fresh_db: str) -> None:
    db.execute("CREATE TEMP TABLE seen (id int)")
    db.execute("INSERT INTO seen VALUES (1)")
    assert db.connection().info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert db.fetch_one("SELECT count(*) AS n FROM seen") == {"n": 1}
