"""The identity side of API Gateway: the Lambda authorizer's decisions and the caller it vouches for.

HTTP API (payload 2.0, simple responses): `{isAuthorized, context}`; API Gateway answers 401 by
itself when Authorization or X-Device-Id is missing, and 403 when the authorizer says no. A
failed store is no "no": the authorizer raises, and the gateway answers 500 without caching it.
WebSocket `$connect` (REQUEST, `?token=...&device_id=...`): an IAM policy for the route.
Either way the context is `{user_id, role, device_id, session_id, email_verified}`
("true"/"false": API Gateway may turn context values into strings), which handlers read back
with `caller(request)` (cheap to import: the token machinery loads only in the authorizer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plaza import config, errors, observability
from plaza.config import settings

if TYPE_CHECKING:
    from plaza.http import Request

DEVICE_ID = re.compile(r"[\x21-\x7e]{8,128}")
ROLE_RANK = {"user": 0, "moderator": 1, "admin": 2}


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, as the authorizer vouched for them."""

    user_id: str
    role: str
    device_id: str
    session_id: str
    email_verified: bool = True


def require_role(caller: Caller, role: str) -> None:
    """Forbidden unless the caller's role is `role` or above (user < moderator < admin)."""
    if ROLE_RANK.get(caller.role, -1) < ROLE_RANK[role]:
        raise errors.Forbidden(f"This needs the {role} role")


def authenticate(authorization: str | None, device_id: str | None) -> Caller:
    """The caller a bearer token belongs to; Unauthorized/Forbidden with the reason otherwise."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthorized("Expected `Authorization: Bearer <access token>`")
    # lazy: route handlers import this module for `caller` and never verify tokens
    from plaza.identity import session_state
    from plaza.identity.tokens import verifying_keyset

    claims = verifying_keyset().verify(token.strip(), device_id)
    session_state.ensure_active(claims.user_id, claims.session_id)
    return Caller(claims.user_id, claims.role, claims.device_id, claims.session_id,
                  claims.email_verified)


def _context(caller: Caller) -> dict[str, str]:
    return {"user_id": caller.user_id, "role": caller.role, "device_id": caller.device_id,
            "session_id": caller.session_id,
            "email_verified": "true" if caller.email_verified else "false"}


def _header(event: dict[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    return headers.get(name) or headers.get(name.lower()) or next(
        (value for key, value in headers.items() if key.lower() == name.lower()), None)


def authorize_http(event: dict[str, Any]) -> dict[str, Any]:
    """HTTP API simple response for a payload 2.0 REQUEST authorizer event."""
    try:
        caller = authenticate(_header(event, "authorization"), _header(event, "x-device-id"))
    except errors.PlazaError as error:
        _denied(error, event.get("routeKey"))
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": _context(caller)}


class Unauthorized(Exception):  # noqa: N818 - API Gateway matches the message, not the name
    """Raised by a REQUEST authorizer: API Gateway answers 401 when the message is this one."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorize_websocket(event: dict[str, Any]) -> dict[str, Any]:
    """IAM policy for a WebSocket `$connect` REQUEST authorizer event (401 for a bad token)."""
    query = event.get("queryStringParameters") or {}
    resource = event.get("methodArn", "*")
    try:
        caller = authenticate(f"Bearer {query.get('token') or ''}", query.get("device_id"))
    except errors.PlazaError as error:
        _denied(error, "$connect")
        if error.status == 401:
            raise Unauthorized() from None
        return _policy("anonymous", "Deny", resource, {})
    return _policy(caller.user_id, "Allow", resource, _context(caller))


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """One authorizer for both APIs: WebSocket REQUEST events carry a methodArn.

    A deployment missing its keys denies (and logs what is missing) rather than raising: no
    request could succeed until it is fixed, and a raise is a stack trace per request."""
    try:
        return authorize_websocket(event) if "methodArn" in event else authorize_http(event)
    except config.ConfigurationError as error:
        config.log_configuration_error(error, at="request")
        if "methodArn" in event:
            return _policy("anonymous", "Deny", event["methodArn"], {})
        return {"isAuthorized": False}


def _policy(principal: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context,
    }


def _denied(error: errors.PlazaError, route: Any) -> None:
    """Log a refused token; raise `error` again when it is a failed store, not a bad token.

    API Gateway caches a deny per token and device (60 s), so a store outage answered as a deny
    would keep refusing users after the store is back. An authorizer that raises instead makes
    the gateway answer 500 and cache nothing (HTTP API and WebSocket `$connect` alike): the first
    request after the outage is authorized afresh.
    """
    if error.status >= 500:
        observability.log_error("authorizer failed", error=error, route=str(route))
        observability.count("AuthorizerFailed", reason=error.code)
        raise error
    observability.log_info("request denied", reason=error.detail, route=str(route))
    observability.count("AuthorizerDenied", reason=error.code)


def device_id(request: Request) -> str:
    """The X-Device-Id header: 400 when missing, 422 when it is not 8-128 visible ASCII."""
    value = request.header("x-device-id")
    if not value:
        raise errors.BadRequest("The X-Device-Id header is required")
    if not DEVICE_ID.fullmatch(value):
        raise errors.Invalid(errors=[{"field": "header.x-device-id", "type": "device_id",
                                      "message": "must be 8-128 visible ASCII characters"}])
    return value


def caller(request: Request) -> Caller:
    """The authorizer's caller; Unauthorized if a route was deployed without the authorizer."""
    context = request.authorizer
    values = [context.get(name) for name in ("user_id", "role", "device_id", "session_id")]
    strings = [value for value in values if isinstance(value, str) and value]
    if len(strings) != len(values):
        raise errors.Unauthorized("This route needs an authenticated caller")
    user_id, role, device, session_id = strings
    return Caller(user_id, role, device, session_id, email_verified(context))


def email_verified(context: Mapping[str, Any]) -> bool:
    """Whether the authorizer's context vouches for a verified email (absent: verified, as a
    context from before the claim existed)."""
    return str(context.get("email_verified", "true")).lower() != "false"


def require_verified_email(verified: bool) -> None:
    """EmailUnverified when this deployment requires a verified email and the caller's (`verified`:
    `Caller.email_verified`, or `email_verified` of a context) is not."""
    if not verified and settings().require_verified_email:
        raise errors.EmailUnverified()
