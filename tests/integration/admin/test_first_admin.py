"""`make admin USER=…`: the first admin, made from a shell against the database, audited."""

from __future__ import annotations

import pytest

from plaza.admin import first_admin
from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["make_user"]


def test_make_admin_promotes_the_named_account_once_and_audits_it(
        make_user: MakeUser, capsys: pytest.CaptureFixture[str]) -> None:
    ann = make_user("ann")
    assert first_admin.main(["ann"]) == 0
    assert first_admin.main(["ann"]) == 0
    assert db.fetch_one("SELECT role FROM users WHERE id = %s", (ann,)) == {"role": "admin"}
    records = db.fetch_all("SELECT actor_role, action, changes FROM audit_log")
    assert records == [{"actor_role": "operator", "action": "user.role",
                        "changes": {"before": {"role": "user"}, "after": {"role": "admin"}}}]
    assert "ann" in capsys.readouterr().out


def test_make_admin_refuses_an_unknown_name_or_none(make_user: MakeUser) -> None:
    assert first_admin.main(["nobody"]) == 1
    assert first_admin.main([""]) == 2
