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

Before the snapshot, the client libraries of the stores the function is configured for
(psycopg when DATABASE_URL is set; redis-py or Upstash's client for REDIS_URL or
UPSTASH_REDIS_REST_URL) are imported too: the stores import them lazily, on their first call,
and a handler often imports its stores lazily too, so after a restore the first request would
pay 0.15-0.4 s for them; in the snapshot they cost the restore nothing (a plain cold start,
without SnapStart, never runs this hook).

The closers touch only modules already loaded (through sys.modules): registering the hooks
imports no store. The hooks come from
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

# The libraries a store imports on its first call, loaded into the snapshot instead, when the
# setting that selects them is present.
_CLIENT_LIBRARIES = (
    ("DATABASE_URL", ("psycopg", "psycopg.rows", "psycopg.conninfo", "plaza.stores.db")),
    ("REDIS_URL", ("redis", "redis.backoff", "redis.retry", "plaza.stores.cache")),
    ("UPSTASH_REDIS_REST_URL", ("httpx", "upstash_redis", "plaza.stores.cache")),
)

_installed = False


def _call_loaded(functions: tuple[tuple[str, str], ...]) -> None:
    for module_name, function in functions:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, function)()


# Loaded modules whose first call imports more: what that call would import, into the snapshot.
_FIRST_USE_LIBRARIES = (
    # Token verification (the authorizer): cryptography's EC primitives, plaza.identity.jws.
    ("plaza.identity.tokens", ("cryptography.exceptions", "cryptography.hazmat.primitives.hashes",
                               "cryptography.hazmat.primitives.asymmetric.ec",
                               "cryptography.hazmat.primitives.asymmetric.utils")),
)


def load_client_libraries() -> None:
    """Import the store clients' libraries this function is configured for, and what the
    modules it loaded import on first use."""
    for setting, modules in _CLIENT_LIBRARIES:
        if os.environ.get(setting):
            for module in modules:
                importlib.import_module(module)
    for loaded, modules in _FIRST_USE_LIBRARIES:
        if loaded in sys.modules:
            for module in modules:
                importlib.import_module(module)


def before_snapshot() -> None:
    """Close every client holding a socket (only those of stores this function loaded), and
    load the client libraries its stores would import lazily."""
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
