"""The admin function invoked as Lambda would, with HTTP API events carrying the authorizer's
caller: roles at the route and in the service, suspension reaching login, refresh and the
authorizer, problem+json for bad input and unknown routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from plaza import errors, http
from plaza.admin import repo as admin_repo
from plaza.admin.models import RoleIn, UserQuery
from plaza.identity import passwords
from plaza.identity import repo as identity_repo
from tests.support.identity import Api, Reply
from tests.support.lambdas import FakeContext, http_event, load_event, load_function

PASSWORD = "correct horse battery"
PHONE = "phone-0000-aaaa"
ROUTE = "ANY /v1/admin/{proxy+}"
NO_ONE = "00000000-0000-4000-8000-000000000000"

Call = Callable[..., Reply]


def _account(name: str, role: str = "user") -> dict[str, str]:
    """A user with a password, in `role`; the authorizer context of a caller on PHONE."""
    row = identity_repo.insert_user(name, f"{name}@example.edu", name.title(),
                                    passwords.hash_password(PASSWORD))
    admin_repo.set_role(str(row["id"]), role)
    return {"user_id": str(row["id"]), "role": role, "device_id": PHONE,
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


@pytest.fixture
def call(api: Api) -> Call:
    """call(method, path, caller, body=..., query=..., request_id=...) -> the function's reply."""
    module = load_function("functions/admin/app.py")

    def invoke(method: str, path: str, caller: dict[str, str] | None, *, body: Any = None,
               query: dict[str, str] | None = None, request_id: str | None = None) -> Reply:
        event = http_event(method, path, body=body, query=query, authorizer=caller,
                           route_key=ROUTE, path_params={"proxy": path.removeprefix("/v1/admin/")})
        if request_id is not None:
            event["requestContext"]["requestId"] = request_id
        result = module.handler(event, FakeContext())
        raw = result.get("body") or ""
        return Reply(result["statusCode"], result["headers"], json.loads(raw) if raw else None)

    return invoke


def _problem(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.body["status"] == status and reply.body["request_id"]
    return dict(reply.body)


def _login(api: Api, name: str) -> dict[str, Any]:
    reply = api.call("login", "POST", "/v1/auth/login", body={"username": name,
                                                               "password": PASSWORD},
                     headers={"x-device-id": PHONE})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _refresh(api: Api, refresh_token: str) -> Reply:
    return api.call("refresh", "POST", "/v1/auth/refresh", body={"refresh_token": refresh_token},
                    headers={"x-device-id": PHONE})


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/admin/users", None),
    ("GET", f"/v1/admin/users/{NO_ONE}", None),
    ("POST", f"/v1/admin/users/{NO_ONE}/suspend", None),
    ("POST", f"/v1/admin/users/{NO_ONE}/reinstate", None),
    ("PUT", f"/v1/admin/users/{NO_ONE}/role", {"role": "admin"}),
])
def test_a_plain_user_is_refused_every_admin_route(call: Call, method: str, path: str,
                                                  body: Any) -> None:
    problem = _problem(call(method, path, _account("alice"), body=body), 403)
    assert "moderator" in problem["detail"] or "admin" in problem["detail"]


def test_without_an_authorizer_context_the_admin_api_answers_401(call: Call) -> None:
    _problem(call("GET", "/v1/admin/users", None), 401)


def test_the_service_checks_the_role_too_whatever_the_route_let_through() -> None:
    from plaza.admin import service
    from plaza.identity.gateway import Caller

    user = Caller("0b6f4c1e-8a57-4d3e-9f21-5c7d2a9e4b10", "user", PHONE, NO_ONE)
    moderator = Caller(user.user_id, "moderator", PHONE, NO_ONE)
    with pytest.raises(errors.Forbidden):
        service.suspend(user, NO_ONE)
    with pytest.raises(errors.Forbidden):
        service.set_role(moderator, NO_ONE, "admin")


def test_moderator_suspends_a_user_whose_refresh_login_and_access_token_are_then_refused(
        call: Call, api: Api) -> None:
    moderator, bob = _account("mod"), _account("bob")
    admin_repo.set_role(moderator["user_id"], "moderator")
    moderator["role"] = "moderator"
    pair = _login(api, "bob")
    assert api.authorize(pair["access_token"], PHONE)["isAuthorized"] is True

    reply = call("POST", f"/v1/admin/users/{bob['user_id']}/suspend", moderator)
    assert reply.status == 200, reply.body
    assert (reply.body["user"]["status"], reply.body["user"]["live_sessions"]) == ("suspended", 0)

    refused = _refresh(api, pair["refresh_token"])
    assert refused.status == 401 and refused.headers["content-type"] == "application/problem+json"
    assert api.authorize(pair["access_token"], PHONE)["isAuthorized"] is False
    login = api.call("login", "POST", "/v1/auth/login", body={"username": "bob",
                                                               "password": PASSWORD},
                     headers={"x-device-id": PHONE})
    assert login.status == 403

    reinstated = call("POST", f"/v1/admin/users/{bob['user_id']}/reinstate", moderator)
    assert reinstated.body["user"]["status"] == "active"
    assert _refresh(api, pair["refresh_token"]).status == 401  # the old session stays revoked
    assert api.authorize(_login(api, "bob")["access_token"], PHONE)["isAuthorized"] is True


def test_moderator_cannot_change_roles_but_an_admin_can(call: Call) -> None:
    moderator, admin, bob = _account("mod", "moderator"), _account("boss", "admin"), _account("bob")
    path = f"/v1/admin/users/{bob['user_id']}/role"
    _problem(call("PUT", path, moderator, body={"role": "moderator"}), 403)
    assert call("GET", f"/v1/admin/users/{bob['user_id']}", admin).body["user"]["role"] == "user"
    reply = call("PUT", path, admin, body={"role": "moderator"})
    assert reply.status == 200 and reply.body["user"]["role"] == "moderator"
    assert identity_repo.user_by_id(bob["user_id"])["role"] == "moderator"


def test_an_admin_cannot_demote_themselves(call: Call) -> None:
    admin = _account("boss", "admin")
    problem = _problem(call("PUT", f"/v1/admin/users/{admin['user_id']}/role", admin,
                            body={"role": "user"}), 403)
    assert "your own role" in problem["detail"]
    assert identity_repo.user_by_id(admin["user_id"])["role"] == "admin"


def test_demoting_a_moderator_revokes_the_sessions_that_carry_the_old_role(
        call: Call, api: Api) -> None:
    admin, moderator = _account("boss", "admin"), _account("mod", "moderator")
    pair = _login(api, "mod")
    assert call("PUT", f"/v1/admin/users/{moderator['user_id']}/role", admin,
                body={"role": "user"}).status == 200
    assert api.authorize(pair["access_token"], PHONE)["isAuthorized"] is False
    assert _refresh(api, pair["refresh_token"]).status == 401


def test_a_moderator_cannot_suspend_a_moderator_or_an_admin_or_themselves(call: Call) -> None:
    moderator = _account("mod", "moderator")
    for target in (_account("mod2", "moderator"), _account("boss", "admin"), moderator):
        _problem(call("POST", f"/v1/admin/users/{target['user_id']}/suspend", moderator), 403)
        assert identity_repo.user_by_id(target["user_id"])["status"] == "active"


def test_moderator_lists_users_by_text_and_status_in_keyset_pages(call: Call) -> None:
    moderator = _account("mod", "moderator")
    for i in range(5):
        _account(f"fan_{i}")
    call("POST", f"/v1/admin/users/{_account('spammer')['user_id']}/suspend", moderator)

    seen, cursor = [], None
    while True:
        page = call("GET", "/v1/admin/users", moderator,
                    query={"query": "FAN", "limit": "2", **({"cursor": cursor} if cursor else {})})
        assert page.status == 200 and len(page.body["items"]) <= 2
        seen += [item["username"] for item in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["fan_4", "fan_3", "fan_2", "fan_1", "fan_0"]
    suspended = call("GET", "/v1/admin/users", moderator, query={"status": "suspended"}).body
    assert [item["username"] for item in suspended["items"]] == ["spammer"]
    # LIKE's wildcards in a query match themselves, not any character.
    for literal in ("fa_", "fan%"):
        assert call("GET", "/v1/admin/users", moderator, query={"query": literal}).body["items"] == []


def test_an_unknown_user_is_a_404_problem(call: Call) -> None:
    moderator = _account("mod", "moderator")
    _problem(call("GET", f"/v1/admin/users/{NO_ONE}", moderator), 404)
    _problem(call("POST", f"/v1/admin/users/{NO_ONE}/suspend", moderator), 404)


def test_a_deleted_account_cannot_be_suspended_reinstated_or_re_roled(call: Call) -> None:
    admin, gone = _account("boss", "admin"), _account("gone")
    identity_repo.set_status(gone["user_id"], "deleted")
    for method, action, body in (("POST", "suspend", None), ("POST", "reinstate", None),
                                 ("PUT", "role", {"role": "moderator"})):
        _problem(call(method, f"/v1/admin/users/{gone['user_id']}/{action}", admin, body=body), 409)
    assert identity_repo.user_by_id(gone["user_id"])["status"] == "deleted"
    shown = call("GET", f"/v1/admin/users/{gone['user_id']}", admin).body["user"]
    assert (shown["status"], shown["role"]) == ("deleted", "user")


@pytest.mark.parametrize(("method", "path", "body", "query", "field"), [
    ("GET", "/v1/admin/users", None, {"limit": "101"}, "query.limit"),
    ("GET", "/v1/admin/users", None, {"limit": "0"}, "query.limit"),
    ("GET", "/v1/admin/users", None, {"cursor": "garbage"}, "query.cursor"),
    ("GET", "/v1/admin/users", None, {"status": "asleep"}, "query.status"),
    ("GET", "/v1/admin/users", None, {"query": "x" * 101}, "query.query"),
    ("GET", "/v1/admin/users/not-a-uuid", None, None, "path.user_id"),
    ("PUT", "/v1/admin/users/{bob}/role", {"role": "emperor"}, None, "body.role"),
    ("PUT", "/v1/admin/users/{bob}/role", {"role": 2}, None, "body.role"),
    ("PUT", "/v1/admin/users/{bob}/role", {"role": "user", "extra": 1}, None, "body.extra"),
    ("PUT", "/v1/admin/users/{bob}/role", None, None, "body"),
    ("PUT", "/v1/admin/users/{bob}/role", '{"role": ', None, "body"),
])
def test_bad_input_is_a_422_problem_naming_the_field(call: Call, method: str, path: str,
                                                     body: Any, query: dict[str, str] | None,
                                                     field: str) -> None:
    admin, bob = _account("boss", "admin"), _account("bob")
    reply = call(method, path.format(bob=bob["user_id"]), admin, body=body, query=query)
    problem = _problem(reply, 422)
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem
    assert identity_repo.user_by_id(bob["user_id"])["role"] == "user"


def test_a_body_nested_past_the_bound_is_a_400_problem_not_a_500(call: Call) -> None:
    admin, bob = _account("boss", "admin"), _account("bob")
    deep = '{"role": "admin", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    problem = _problem(call("PUT", f"/v1/admin/users/{bob['user_id']}/role", admin, body=deep), 400)
    assert "nests deeper than 64" in problem["detail"]
    assert identity_repo.user_by_id(bob["user_id"])["role"] == "user"


@pytest.mark.parametrize(("body", "query", "field"), [
    ({"role": "admin\u0000"}, None, "body.role"),
    (None, {"query": "bo\x00b"}, "query.query"),
])
def test_a_nul_character_is_a_422_problem_naming_the_field(call: Call, body: Any,
                                                          query: dict[str, str] | None,
                                                          field: str) -> None:
    admin, bob = _account("boss", "admin"), _account("bob")
    if body is None:
        reply = call("GET", "/v1/admin/users", admin, query=query)
    else:
        reply = call("PUT", f"/v1/admin/users/{bob['user_id']}/role", admin, body=body)
    assert [error["field"] for error in _problem(reply, 422)["errors"]] == [field]


def _fields_plaza_http_names(model: type[Any], data: dict[str, Any], where: str) -> list[Any]:
    """The `errors` list plaza.http answers for `data` as `model` read from `where`."""
    with pytest.raises(errors.Invalid) as raised:
        http.validate(model, data, where)
    return list(raised.value.problem()["errors"])


def test_a_bad_query_is_the_same_422_problem_as_every_other_route_answers(call: Call) -> None:
    reply = call("GET", "/v1/admin/users", _account("mod", "moderator"), query={"limit": "101"},
                 request_id="req-query")
    assert (reply.status, reply.headers["content-type"]) == (422, "application/problem+json")
    assert reply.body == {
        "type": "https://plaza.dev/problems/validation", "title": "Unprocessable Content",
        "status": 422, "detail": "One or more fields are invalid", "instance": "/v1/admin/users",
        "request_id": "req-query",
        "errors": [{"field": "query.limit", "message": "Input should be less than or equal to 100",
                    "type": "less_than_equal"}],
    }
    assert reply.body["errors"] == _fields_plaza_http_names(UserQuery, {"limit": "101"}, "query")


def test_a_bad_body_is_the_same_422_problem_as_every_other_route_answers(call: Call) -> None:
    path = f"/v1/admin/users/{_account('bob')['user_id']}/role"
    reply = call("PUT", path, _account("boss", "admin"), body={"role": "emperor"},
                 request_id="req-body")
    assert (reply.status, reply.headers["content-type"]) == (422, "application/problem+json")
    assert reply.body == {
        "type": "https://plaza.dev/problems/validation", "title": "Unprocessable Content",
        "status": 422, "detail": "One or more fields are invalid", "instance": path,
        "request_id": "req-body",
        "errors": [{"field": "body.role", "message": "Input should be 'user', 'moderator' or 'admin'",
                    "type": "literal_error"}],
    }
    assert reply.body["errors"] == _fields_plaza_http_names(RoleIn, {"role": "emperor"}, "body")


def test_an_unknown_route_is_a_404_problem_of_the_same_shape(call: Call) -> None:
    reply = call("GET", "/v1/admin/nothing-here", _account("mod", "moderator"),
                 request_id="req-missing")
    assert (reply.status, reply.headers["content-type"]) == (404, "application/problem+json")
    assert reply.body == {
        "type": "https://plaza.dev/problems/not-found", "title": "Not Found", "status": 404,
        "detail": "No admin route /v1/admin/nothing-here", "instance": "/v1/admin/nothing-here",
        "request_id": "req-missing",
    }


def test_a_refused_role_is_a_403_problem_of_the_same_shape(call: Call) -> None:
    reply = call("GET", "/v1/admin/users", _account("alice"), request_id="req-refused")
    assert (reply.status, reply.headers["content-type"]) == (403, "application/problem+json")
    assert reply.body == {
        "type": "https://plaza.dev/problems/forbidden", "title": "Forbidden", "status": 403,
        "detail": "This needs the moderator role", "instance": "/v1/admin/users",
        "request_id": "req-refused",
    }


def test_an_unknown_route_is_a_404_problem_and_a_wrong_method_a_405(call: Call) -> None:
    moderator = _account("mod", "moderator")
    problem = _problem(call("GET", "/v1/admin/nothing-here", moderator), 404)
    assert problem["instance"] == "/v1/admin/nothing-here"
    reply = call("DELETE", "/v1/admin/users", moderator)
    _problem(reply, 405)
    assert reply.headers["allow"] == "GET"


def test_the_sample_event_lists_users_for_its_moderator(call: Call) -> None:
    _account("bob")
    module = load_function("functions/admin/app.py")
    result = module.handler(load_event("admin/app.json"), FakeContext())
    assert result["statusCode"] == 200, result
    assert [item["username"] for item in json.loads(result["body"])["items"]] == ["bob"]
