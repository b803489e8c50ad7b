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

Only modules already loaded are touched (through sys.modules): registering the hooks imports no
store, so a function pays at init only for what it uses. The hooks come from
`snapshot-restore-py`, which Lambda's Python managed runtime provides; where it is missing (the
layer does not ship it) `install` registers nothing.
"""

from __future__ import annotations

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

_installed = False


def _call_loaded(functions: tuple[tuple[str, str], ...]) -> None:
    for module_name, function in functions:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, function)()


def before_snapshot() -> None:
    """Close every client holding a socket (only those of stores this function loaded)."""
    _call_loaded(_CLOSERS)


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
