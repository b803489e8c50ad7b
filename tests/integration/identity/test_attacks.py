"""The attack suite: every forged, stale, misdirected or revoked credential is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from plaza import errors
from plaza.identity import service, tokens
from plaza.identity.gateway import Caller
from plaza.identity.tokens import KeySet, generate_key
from tests.support.identity import Api

PASSWORD = "correct horse battery"
PHONE = "phone-0000-aaaa"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _signed_in(api: Api, name: str = "alice", device: str = PHONE) -> dict[str, Any]:
    api.call("register", "POST", "/v1/auth/register", body={
        "email": f"{name}@example.edu", "password": PASSWORD, "username": name})
    reply = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": device},
                     body={"username": name, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _refused(api: Api, token: str, device: str = PHONE) -> bool:
    return api.authorize(token, device) == {"isAuthorized": False}


def test_the_genuine_token_passes_with_the_callers_context(api: Api) -> None:
    pair = _signed_in(api)
    decision = api.authorize(pair["access_token"], PHONE)
    assert decision["isAuthorized"] is True
    assert decision["context"] == {"user_id": pair["user"]["id"], "role": "user",
                                   "device_id": PHONE,
                                   "session_id": _claims(pair["access_token"])["sid"],
                                   "email_verified": "false"}


def test_alg_none_is_refused(api: Api) -> None:
    pair = _signed_in(api)
    header = jwt.get_unverified_header(pair["access_token"])
    forged = _unsigned({**header, "alg": "none"}, _claims(pair["access_token"])) + "."
    assert _refused(api, forged)
    assert _refused(api, forged.rstrip("."))


def test_hs256_signed_with_the_public_key_is_refused(api: Api) -> None:
    pair = _signed_in(api)
    kid = jwt.get_unverified_header(pair["access_token"])["kid"]
    public_pem = tokens.keyset().by_kid[kid].verifying.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = {**_claims(pair["access_token"]), "role": "admin"}
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert _refused(api, f"{signing_input}.{_b64(signature)}")


def test_expired_token_is_refused_beyond_the_leeway(api: Api) -> None:
    pair = _signed_in(api)
    claims = _claims(pair["access_token"])
    keys = tokens.keyset()
    stale = keys.issue(user_id=claims["sub"], role="user", device_id=PHONE,
                       session_id=claims["sid"],
                       now=int(time.time()) - tokens.ACCESS_TOKEN_TTL_S - tokens.LEEWAY_S - 5)
    assert _refused(api, stale)
    within_leeway = keys.issue(user_id=claims["sub"], role="user", device_id=PHONE,
                               session_id=claims["sid"],
                               now=int(time.time()) - tokens.ACCESS_TOKEN_TTL_S - 5)
    assert api.authorize(within_leeway, PHONE)["isAuthorized"] is True


def test_tampered_signature_or_claims_are_refused(api: Api) -> None:
    pair = _signed_in(api)
    head, body, signature = pair["access_token"].split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    assert _refused(api, f"{head}.{body}.{flipped}")
    promoted = _unsigned(jwt.get_unverified_header(pair["access_token"]),
                         {**_claims(pair["access_token"]), "role": "admin"})
    assert _refused(api, f"{promoted}.{signature}")


@pytest.mark.parametrize(("issuer", "audience"), [("plaza", "someone-else"),
                                                  ("evil", "plaza-api")])
def test_wrong_audience_or_issuer_is_refused(api: Api, issuer: str, audience: str) -> None:
    pair = _signed_in(api)
    claims = _claims(pair["access_token"])
    keys = tokens.keyset()
    other = KeySet([*keys.by_kid][0], list(keys.by_kid.values()), issuer, audience)
    token = other.issue(user_id=claims["sub"], role="user", device_id=PHONE,
                        session_id=claims["sid"])
    assert _refused(api, token)


def test_token_signed_by_an_unknown_key_is_refused(api: Api) -> None:
    pair = _signed_in(api)
    claims = _claims(pair["access_token"])
    stranger = KeySet.from_json(json.dumps({"active": "x1", "keys": [generate_key("ES256", "x1")]}))
    assert _refused(api, stranger.issue(user_id=claims["sub"], role="admin", device_id=PHONE,
                                        session_id=claims["sid"]))


def test_token_presented_from_another_device_is_refused(api: Api) -> None:
    pair = _signed_in(api)
    assert _refused(api, pair["access_token"], device="laptop-000-bbbb")
    assert api.authorize(pair["access_token"], None) == {"isAuthorized": False}


def test_garbage_and_missing_tokens_are_refused(api: Api) -> None:
    for token in ("", "not-a-jwt", "a.b.c", "x" * 10_000):
        assert _refused(api, token)
    assert api.authorize(None, PHONE) == {"isAuthorized": False}


def test_reused_refresh_token_is_refused_and_kills_the_session(api: Api) -> None:
    pair = _signed_in(api)
    first = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                     body={"refresh_token": pair["refresh_token"]})
    assert first.status == 200
    replay = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                      body={"refresh_token": pair["refresh_token"]})
    assert replay.status == 401
    assert _refused(api, first.body["access_token"])


def test_deleting_another_users_session_is_not_found_and_harmless(api: Api) -> None:
    alice = _signed_in(api, "alice", PHONE)
    mallory = _signed_in(api, "mallory", "mallory-device-1")
    reply = api.as_caller("session_delete", "DELETE", f"/v1/auth/sessions/{PHONE}",
                          mallory["access_token"], "mallory-device-1",
                          path_params={"device_id": PHONE})
    assert reply.status == 404
    assert api.authorize(alice["access_token"], PHONE)["isAuthorized"] is True


def test_suspended_user_is_refused_everywhere(api: Api) -> None:
    pair = _signed_in(api)
    moderator = Caller("00000000-0000-0000-0000-000000000001", "moderator", "mod-device", "s")
    service.set_user_status(moderator, pair["user"]["id"], "suspended")
    assert _refused(api, pair["access_token"])
    login = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                     body={"username": "alice", "password": PASSWORD})
    assert login.status == 403
    refresh = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                       body={"refresh_token": pair["refresh_token"]})
    assert refresh.status == 403
    service.set_user_status(moderator, pair["user"]["id"], "active")
    assert api.authorize(pair["access_token"], PHONE)["isAuthorized"] is True


def test_suspension_needs_a_moderator(api: Api) -> None:
    pair = _signed_in(api)
    victim = _signed_in(api, "victim", "victim-device-1")
    user = Caller(pair["user"]["id"], "user", PHONE, "s")
    with pytest.raises(errors.Forbidden):
        service.set_user_status(user, victim["user"]["id"], "suspended")


def test_websocket_connect_with_a_bad_token_is_unauthorized(api: Api) -> None:
    pair = _signed_in(api)
    handler = api._handler("authorizer")
    arn = "arn:aws:execute-api:us-east-1:123456789012:ws/dev/$connect"
    event = {"type": "REQUEST", "methodArn": arn,
             "queryStringParameters": {"token": pair["access_token"], "device_id": PHONE}}
    allowed = handler(event, None)
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["context"]["user_id"] == pair["user"]["id"]
    with pytest.raises(Exception, match="^Unauthorized$"):
        handler({**event, "queryStringParameters": {"token": pair["access_token"],
                                                    "device_id": "laptop-000-bbbb"}}, None)


def test_retired_key_still_verifies_until_it_is_removed(identity_env: object) -> None:
    old, new = generate_key("ES256", "old"), generate_key("ES256", "new")
    before = KeySet.from_json(json.dumps({"active": "old", "keys": [old]}))
    token = before.issue(user_id="u", role="user", device_id=PHONE, session_id="s")
    rotated = KeySet.from_json(json.dumps({"active": "new", "keys": [new, old]}))
    assert rotated.verify(token, PHONE).user_id == "u"
    assert jwt.get_unverified_header(rotated.issue(user_id="u", role="user", device_id=PHONE,
                                                   session_id="s"))["kid"] == "new"
    assert [key["kid"] for key in rotated.jwks()["keys"]] == ["new", "old"]
    after = KeySet.from_json(json.dumps({"active": "new", "keys": [new]}))
    with pytest.raises(tokens.InvalidToken):
        after.verify(token, PHONE)


def test_hs256_keysets_sign_and_verify_and_publish_nothing(identity_env: object) -> None:
    keys = KeySet.from_json(tokens.generate_keyset_json("HS256"))
    token = keys.issue(user_id="u", role="admin", device_id=PHONE, session_id="s")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert keys.verify(token, PHONE).role == "admin"
    assert keys.jwks() == {"keys": []}
    es = KeySet.from_json(tokens.generate_keyset_json("ES256"))
    with pytest.raises(tokens.InvalidToken):
        es.verify(token, PHONE)
