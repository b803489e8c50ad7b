"""Lambda SnapStart runtime hooks: what must not survive a snapshot is closed before it, and what
may have aged is forgotten after a restore.

A snapshot is taken once per published version, after init, and restored into many execution
environments: a socket open at snapshot time would be shared by every restored copy (and is
dead anyway), a secret resolved at init may have rotated since, and a random generator seeded at
init would repeat across copies. So, before the snapshot: the Postgres connection, the Redis
client, the @connections client, the search client and boto3's clients (their connection pools)
are closed; after the restore: settings (SSM / Secrets Manager values) and the keysets made from
them are re-read on first use, and `random` is reseeded from os.urandom. Every store reopens
lazily on its next call, so nothing here costs a restore any I/O.

Before the snapshot, the client libraries of the stores the function loaded (psycopg for
plaza.stores.db; redis-py or Upstash's client for plaza.stores.cache, as configured) are
imported too: the stores import them lazily, on the first call, which after a restore would be
paid by the first request (0.15-0.4 s); in the snapshot it costs the restore nothing.

Only modules already loaded are touched (through sys.modules): registering the hooks imports no
store, so a function pays at init only for what it uses. The hooks come from
`snapshot-restore-py`, which Lambda's Python managed runtime provides; where it is missing (the
layer does not ship it) `install` registers nothing.
"""

from __future__ import annotations

import importlib
import os
import random
import sys

# Each store module and the name of the function that drops its client; all reopen lazily.
_CLOSERS = (
    ("plaza.stores.db", "close"),
    ("plaza.stores.cache", "reset"),
    ("plaza.stores.realtime", "reset"),
    ("plaza.stores.search", "reset"),
    ("plaza.stores.aws", "reset"),
)
# Caches built from settings, forgotten after a restore so they are rebuilt from fresh values.
_REFRESHERS = (
    ("plaza.config", "reset_settings"),
    ("plaza.identity.tokens", "reset_keyset"),
)

# The libraries a store module imports on its first call, loaded into the snapshot instead; each
# entry: the store module, the environment variable that selects the library (None: always).
_CLIENT_LIBRARIES = (
    ("plaza.stores.db", None, ("psycopg", "psycopg.rows", "psycopg.conninfo")),
    ("plaza.stores.cache", "REDIS_URL", ("redis", "redis.backoff", "redis.retry")),
    ("plaza.stores.cache", "UPSTASH_REDIS_REST_URL", ("httpx", "upstash_redis")),
)

_installed = False


def _call_loaded(functions: tuple[tuple[str, str], ...]) -> None:
    for module_name, function in functions:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, function)()


def load_client_libraries() -> None:
    """Import the client libraries the loaded stores would import on their first call."""
    for store, selected_by, modules in _CLIENT_LIBRARIES:
        if store in sys.modules and (selected_by is None or os.environ.get(selected_by)):
            for module in modules:
                importlib.import_module(module)


def before_snapshot() -> None:
    """Close every client holding a socket (only those of stores this function loaded), and
    load the client libraries those stores import lazily."""
    _call_loaded(_CLOSERS)
    load_client_libraries()


def after_restore() -> None:
    """Forget what may have aged since the snapshot; reseed what is not drawn from os.urandom."""
    _call_loaded(_REFRESHERS)
    random.seed()  # from os.urandom: restored copies must not draw the same numbers


def install() -> bool:
    """Register the hooks once; False where the runtime has no snapshot-restore-py."""
    global _installed
    if not _installed:
        try:
            from snapshot_restore_py import register_after_restore, register_before_snapshot
        except ImportError:
            return False
        register_before_snapshot(before_snapshot)
        register_after_restore(after_restore)
        _installed = True
    return True
