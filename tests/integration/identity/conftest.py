"""Identity tests: clean stores, SES and the EmailQueue in moto (SES's sent messages are the
outbox), a dev keyset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.identity import tokens
from plaza.stores import cache
from tests.support.identity import Api, Outbox, mocked_mail


@pytest.fixture
def identity_env(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outbox]:
    """Stage `test` (a generated ES256 keyset), SES mocked with the sender verified."""
    keys_dir: Path = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("PLAZA_DEV_JWT_KEYS_FILE", str(keys_dir / "jwt-keys-es256.json"))
    monkeypatch.delenv("ALLOWED_EMAIL_DOMAINS", raising=False)
    monkeypatch.delenv("JWT_KEYS", raising=False)
    config.reset_settings()
    tokens.reset_keyset()
    cache.reset()
    with mocked_mail(monkeypatch) as outbox:
        yield outbox
    cache.reset()
    tokens.reset_keyset()
    config.reset_settings()


@pytest.fixture
def api(identity_env: Outbox) -> Api:
    return Api()
