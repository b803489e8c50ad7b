"""PostgreSQL through psycopg 3: one connection per container, opened lazily.

`prepare_threshold=None` keeps psycopg from using server-side prepared statements, which an RDS
Proxy (or PgBouncer in transaction mode) would pin or break. A broken connection is dropped and
the next call opens a fresh one: a Lambda container may be frozen for minutes between calls.
psycopg is imported on first use, not with this module: it is ~0.15 s of a cold start, which a
function pays only when a request reaches the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from plaza.config import settings
from plaza.errors import Unavailable
from plaza.stores import postgres_tls

if TYPE_CHECKING:
    import psycopg

# One connection per thread: Lambda runs one thread, but a connection must never carry two
# threads' transactions at once (tests and tools that use threads).
_local = threading.local()

Params = Sequence[Any] | dict[str, Any] | None


def connect(url: str | None = None) -> psycopg.Connection[dict[str, Any]]:
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    import psycopg
    from psycopg.rows import dict_row

    config = settings()
    url = url or config.database_url
    if not url:
        raise Unavailable("The database is not configured (DATABASE_URL)", dependency="postgres")
    try:
        return psycopg.connect(
            postgres_tls.conninfo(url),
            autocommit=True,
            prepare_threshold=None,
            row_factory=dict_row,
            connect_timeout=config.db_connect_timeout_s,
            options=f"-c statement_timeout={config.db_statement_timeout_ms}",
            application_name="plaza",
        )
    except psycopg.OperationalError as exc:
        raise Unavailable("The database is unreachable", dependency="postgres") from exc


def connection() -> psycopg.Connection[dict[str, Any]]:
    """This container's (this thread's) connection, (re)opened when missing or broken."""
    conn: psycopg.Connection[dict[str, Any]] | None = getattr(_local, "connection", None)
    if conn is None or conn.closed or conn.broken:
        conn = _local.connection = connect()
    return conn


def close() -> None:
    conn = getattr(_local, "connection", None)
    if conn is not None:
        conn.close()
    _local.connection = None


@contextmanager
def transaction() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A transaction on this container's connection; rolled back if the block raises."""
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    import psycopg

    try:
        with ExitStack() as begun:
            yield _begin(begun)
    except psycopg.OperationalError as exc:
        close()
        raise Unavailable("The database connection failed", dependency="postgres") from exc


def _begin(stack: ExitStack) -> psycopg.Connection[dict[str, Any]]:
    """This container's connection with a transaction begun on it (entered into `stack`).

    A connection the server dropped while it sat idle (a restart, a failover, a frozen
    container) fails at BEGIN, before the block wrote anything: one retry on a fresh connection
    is then as safe as `_run`'s. A failure after BEGIN is never retried here: the block cannot
    be re-run, and part of it may have happened.
    """
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    import psycopg

    conn = connection()
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    try:
        stack.enter_context(conn.transaction())
    except psycopg.OperationalError:
        # Not idle: this is a savepoint in an enclosing transaction, which died with the
        # connection; only the outermost block may start over.
        if not (idle and (conn.broken or conn.closed)):
            raise
        close()
        conn = connection()
        stack.enter_context(conn.transaction())
    return conn


def _run(sql: str, params: Params, retry: bool = True) -> psycopg.Cursor[dict[str, Any]]:
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    import psycopg

    conn = connection()
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    try:
        return conn.execute(sql, params)
    except psycopg.OperationalError as exc:
        if conn.broken or conn.closed:
            close()
            # The server dropped a connection that sat idle (a frozen container, a proxy's idle
            # timeout, a failover): outside a transaction, one retry on a fresh one is safe.
            if retry and idle:
                return _run(sql, params, retry=False)
        if isinstance(exc, psycopg.errors.QueryCanceled):
            raise Unavailable("The database took too long to answer",
                              dependency="postgres") from exc
        raise Unavailable("The database connection failed", dependency="postgres") from exc


def fetch_one(sql: str, params: Params = None) -> dict[str, Any] | None:
    return _run(sql, params).fetchone()


def fetch_all(sql: str, params: Params = None) -> list[dict[str, Any]]:
    return _run(sql, params).fetchall()


def execute(sql: str, params: Params = None) -> int:
    """Run a statement; the number of rows it touched."""
    return _run(sql, params).rowcount


def ping() -> None:
    """Raise Unavailable unless the database answers a trivial query."""
    fetch_one("SELECT 1 AS ok")
