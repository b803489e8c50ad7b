"""plaza.identity.dev_keyset: the dev JWT keyset is the user's own (0600 in a 0700 directory
under their home), created once, and refused when another user owns it or may change it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from plaza import config
from plaza.identity import dev_keyset, tokens
from plaza.identity.dev_keyset import UnsafeDevKeyset

NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A fresh home directory, stage `test`, no JWT_KEYS: signing falls to the dev keyset."""
    for name in ("JWT_KEYS", "JWT_PUBLIC_KEYS", "JWT_ALGORITHM", dev_keyset.OVERRIDE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("STAGE", "test")
    config.reset_settings()
    tokens.reset_keyset()
    yield tmp_path
    config.reset_settings()
    tokens.reset_keyset()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _keyset_file(home: Path) -> Path:
    return home / ".cache" / "plaza" / "dev-jwt-keys-es256.json"


def test_a_fresh_keyset_is_private_to_its_user(home: Path) -> None:
    keys = tokens.keyset()
    path = _keyset_file(home)
    assert dev_keyset.keyset_path("ES256") == path
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600
    assert path.stat().st_uid == os.geteuid() == path.parent.stat().st_uid
    assert json.loads(path.read_text())["active"] == keys.active.kid  # type: ignore[union-attr]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no scratch file left


def test_an_existing_keyset_is_read_never_replaced(home: Path) -> None:
    path = _keyset_file(home)
    first = dev_keyset.read_or_create(path, lambda: '{"n": 1}')
    assert dev_keyset.read_or_create(path, lambda: '{"n": 2}') == first == '{"n": 1}'


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_a_directory_others_may_write_is_refused(home: Path, mode: int) -> None:
    path = _keyset_file(home)
    path.parent.mkdir(parents=True)
    path.parent.chmod(mode)
    with pytest.raises(UnsafeDevKeyset, match="directory .* is open to other users"):
        tokens.keyset()
    assert not path.exists()


@pytest.mark.parametrize("mode", [0o666, 0o644, 0o640, 0o604])
def test_a_keyset_others_may_read_or_write_is_refused(home: Path, mode: int) -> None:
    path = _keyset_file(home)
    dev_keyset.read_or_create(path, lambda: tokens.generate_keyset_json("ES256"))
    path.chmod(mode)
    with pytest.raises(UnsafeDevKeyset, match="keyset .* is open to other users"):
        tokens.keyset()


@as_root
def test_a_keyset_another_user_owns_is_refused(home: Path) -> None:
    path = _keyset_file(home)
    dev_keyset.read_or_create(path, lambda: tokens.generate_keyset_json("ES256"))
    os.chown(path, NOBODY, NOBODY)
    with pytest.raises(UnsafeDevKeyset, match=f"belongs to uid {NOBODY}"):
        tokens.keyset()


@as_root
def test_a_directory_another_user_owns_is_refused(home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = home / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    monkeypatch.setenv(dev_keyset.OVERRIDE, str(theirs / "keys.json"))
    with pytest.raises(UnsafeDevKeyset, match=f"belongs to uid {NOBODY}"):
        tokens.keyset()
    assert not (theirs / "keys.json").exists()


def test_the_override_names_the_file_and_gets_the_same_care(home: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = home / "elsewhere" / "keys.json"
    monkeypatch.setenv(dev_keyset.OVERRIDE, str(path))
    tokens.keyset()
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600
    assert not _keyset_file(home).exists()
