"""The file that holds the dev keyset local stages sign with, kept private to one user.

Whoever can read the keyset can mint any user's tokens, and whoever can write it (or put their
own file where it is looked for) can make the local cloud trust theirs. So it lives in a
directory of the user's own (`~/.cache/plaza`, created 0700; not /tmp, which every user shares),
is created exclusively (0600), and a file or directory that another user owns or may write, or a
file others may read, is refused with an error that says how to fix it.

`~/.cache`, not `$XDG_RUNTIME_DIR` or `$XDG_CACHE_HOME`: the local cloud's function processes
inherit HOME only, and every process must find the same file.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

OVERRIDE = "PLAZA_DEV_JWT_KEYS_FILE"


class UnsafeDevKeyset(RuntimeError):
    """The dev keyset's file or directory could be read or replaced by another user."""


def keyset_path(alg: str) -> Path:
    """PLAZA_DEV_JWT_KEYS_FILE, else the per-user file for `alg`."""
    override = os.environ.get(OVERRIDE)
    if override:
        return Path(override)
    return Path.home() / ".cache" / "plaza" / f"dev-jwt-keys-{alg.lower()}.json"


def read_or_create(path: Path, generate: Callable[[], str]) -> str:
    """The keyset in `path`, written from `generate()` first if there is none; every process
    that races to create it reads the one that won."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_directory(path.parent)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    # Written whole under a private name, then linked into place: link() fails if another
    # process got there first, and nobody ever reads a half-written keyset.
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(generate())
        os.link(scratch, path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
    return _read(path)


def _check_directory(directory: Path) -> None:
    _refuse_unless_private(directory.stat(), f"the directory {directory} of the dev JWT keyset",
                           stat.S_IWGRP | stat.S_IWOTH,
                           owner_fix=f"choose a directory of your own with {OVERRIDE}",
                           mode_fix=f"chmod 700 {directory}")


def _read(path: Path) -> str:
    """The file's text, after checking that the file opened is ours alone."""
    descriptor = os.open(path, os.O_RDONLY)
    with os.fdopen(descriptor) as file:
        _refuse_unless_private(os.fstat(file.fileno()), f"the dev JWT keyset {path}",
                               stat.S_IRWXG | stat.S_IRWXO,
                               owner_fix="delete it, and a new one is made",
                               mode_fix=f"chmod 600 {path}, or delete it")
        return file.read()


def _refuse_unless_private(info: os.stat_result, what: str, open_bits: int, *, owner_fix: str,
                           mode_fix: str) -> None:
    if info.st_uid != os.geteuid():
        raise UnsafeDevKeyset(f"{what} belongs to uid {info.st_uid}, not to you "
                              f"(uid {os.geteuid()}): {owner_fix}")
    if info.st_mode & open_bits:
        raise UnsafeDevKeyset(f"{what} is open to other users "
                              f"(mode {stat.S_IMODE(info.st_mode):o}): {mode_fix}")
