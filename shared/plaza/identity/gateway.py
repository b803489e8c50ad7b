"""The identity side of API Gateway: the Lambda authorizer's decisions and the caller it vouches for.

HTTP API (payload 2.0, simple responses): `{isAuthorized, context}`; API Gateway answers 401 by
itself when Authorization or X-Device-Id is missing, and 403 when the authorizer says no.
WebSocket `$connect` (REQUEST, `?token=...&device_id=...`): an IAM policy for the route.
Either way the context is `{user_id, role, device_id, session_id}`, which handlers read back
with `caller(request)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plaza import errors, observability
from plaza.identity import session_state
from plaza.identity.service import Caller
from plaza.identity.tokens import keyset

if TYPE_CHECKING:
    from plaza.http import Request


def authenticate(authorization: str | None, device_id: str | None) -> Caller:
    """The caller a bearer token belongs to; Unauthorized/Forbidden with the reason otherwise."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthorized("Expected `Authorization: Bearer <access token>`")
    claims = keyset().verify(token.strip(), device_id)
    session_state.ensure_active(claims.user_id, claims.session_id)
    return Caller(claims.user_id, claims.role, claims.device_id, claims.session_id)


def _context(caller: Caller) -> dict[str, str]:
    return {"user_id": caller.user_id, "role": caller.role, "device_id": caller.device_id,
            "session_id": caller.session_id}


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


def authorize_websocket(event: dict[str, Any]) -> dict[str, Any]:
    """IAM policy for a WebSocket `$connect` REQUEST authorizer event."""
    query = event.get("queryStringParameters") or {}
    resource = event.get("methodArn", "*")
    try:
        caller = authenticate(f"Bearer {query.get('token') or ''}", query.get("device_id"))
    except errors.PlazaError as error:
        _denied(error, "$connect")
        return _policy("anonymous", "Deny", resource, {})
    return _policy(caller.user_id, "Allow", resource, _context(caller))


def _policy(principal: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context,
    }


def _denied(error: errors.PlazaError, route: Any) -> None:
    if error.status >= 500:
        observability.log_error("authorizer failed", error=error, route=str(route))
    else:
        observability.log_info("request denied", reason=error.detail, route=str(route))
    observability.count("AuthorizerDenied", reason=error.code)


def caller(request: Request) -> Caller:
    """The authorizer's caller; Unauthorized if a route was deployed without the authorizer."""
    context = request.authorizer
    values = [context.get(name) for name in ("user_id", "role", "device_id", "session_id")]
    strings = [value for value in values if isinstance(value, str) and value]
    if len(strings) != len(values):
        raise errors.Unauthorized("This route needs an authenticated caller")
    return Caller(*strings)
