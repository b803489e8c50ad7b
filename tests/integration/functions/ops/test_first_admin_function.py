"""FirstAdminFunction: the first admin inside AWS, by `aws lambda invoke`, audited, only once."""

from __future__ import annotations

from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user
from tests.support.lambdas import FakeContext, load_function

__all__ = ["make_user"]


def _invoke(event: dict[str, object]) -> dict[str, object]:
    return dict(load_function("functions/ops/first_admin.py").handler(event, FakeContext()))


def test_the_ops_function_makes_the_first_admin_once_and_audits_it(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    made = _invoke({"username": "ann"})
    assert made["status"] == 200 and made["user_id"] == ann
    assert _invoke({"username": "ann"})["status"] == 200  # a retry of the same call
    refused = _invoke({"username": "bob"})
    assert refused["status"] == 409 and "ann" in str(refused["error"])
    roles = {row["id"]: row["role"] for row in db.fetch_all(
        "SELECT id::text AS id, role FROM users WHERE id = ANY(%s::uuid[])", ([ann, bob],))}
    assert roles == {ann: "admin", bob: "user"}
    assert db.fetch_all("SELECT actor_role, action, target_id FROM audit_log") == [
        {"actor_role": "operator", "action": "user.role", "target_id": ann}]


def test_the_ops_function_refuses_no_name_or_an_unknown_one(make_user: MakeUser) -> None:
    assert _invoke({})["status"] == 400
    assert _invoke({"username": 7})["status"] == 400
    assert _invoke({"username": "nobody"})["status"] == 404
