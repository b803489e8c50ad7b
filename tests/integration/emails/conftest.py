"""Mail against the real Postgres, SES and the EmailQueue in moto (SES's sent messages are the
outbox)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.embedded import EmbeddedStores
from plaza import config
from tests.support.identity import Outbox, mocked_mail


@pytest.fixture
def mail_env(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    with mocked_mail(monkeypatch) as outbox:
        yield outbox
    config.reset_settings()
