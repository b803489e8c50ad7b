"""The database connection outside the local cloud refuses a server without TLS; a URL that
says sslmode=disable is obeyed (the test Postgres has no TLS, as a plain server would)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plaza import config
from plaza.errors import Unavailable
from plaza.stores import db


@pytest.fixture
def prod_stage(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("STAGE", "prod")
    config.reset_settings()
    db.close()
    yield clean_stores.database_url  # type: ignore[attr-defined]
    db.close()
    monkeypatch.undo()
    config.reset_settings()


def test_an_aws_stage_will_not_talk_to_a_server_without_tls(prod_stage: str) -> None:
    with pytest.raises(Unavailable):
        db.connect(prod_stage)


def test_an_explicit_sslmode_in_the_url_is_obeyed(prod_stage: str) -> None:
    separator = "&" if "?" in prod_stage else "?"
    with db.connect(f"{prod_stage}{separator}sslmode=disable") as conn:
        assert conn.execute("SELECT 1 AS ok").fetchone() == {"ok": 1}
