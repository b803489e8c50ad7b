"""Web Push (RFC 8030) to browsers with pywebpush: the payload encrypted for the subscription
(aes128gcm, RFC 8291), signed with the stage's VAPID key (RFC 8292).

The VAPID key comes from WEB_PUSH_VAPID, a Secrets Manager reference in AWS: a JSON object
{"private_key": PEM or base64url, "subject": "mailto:..." or "https://..."}. pywebpush ships
only with the notifications functions (functions/notifications/requirements.txt), so it is
imported when a push is sent, never with the layer.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from plaza.config import settings


class SubscriptionGone(Exception):
    """The push service answered 404 or 410: the subscription expired or was unsubscribed."""


class WebPushUnavailable(Exception):
    """No VAPID key configured, or the push service refused or failed."""


@cache
def _vapid() -> tuple[Any, str] | None:
    raw = settings().web_push_vapid
    if not raw:
        return None
    from py_vapid import Vapid

    config = json.loads(raw)
    key = str(config["private_key"]).strip()
    vapid = Vapid.from_pem(key.encode()) if key.startswith("-----") else Vapid.from_string(key)
    return vapid, str(config["subject"])


def public_key() -> str | None:
    """The application server key browsers subscribe with (PushManager.subscribe's
    applicationServerKey): the VAPID key's public half as an uncompressed P-256 point, base64url
    without padding; None when push is not configured."""
    vapid = _vapid()
    if vapid is None:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from py_vapid import b64urlencode

    point = vapid[0].public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return str(b64urlencode(point))


def reset() -> None:
    _vapid.cache_clear()


def endpoint_allowed(endpoint: str) -> bool:
    """Only the push services named in WEB_PUSH_HOSTS (suffixes), over https: the consumer posts
    to the endpoint, so an arbitrary URL would let a user aim our servers at anything."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    allowed = [h.strip().lower() for h in settings().web_push_hosts.split(",") if h.strip()]
    if not host or not any(host == h or host.endswith("." + h) for h in allowed):
        return False
    # Plain http only to a loopback stand-in (the local cloud's tests), never in AWS.
    return parts.scheme == "https" or (parts.scheme == "http" and host in ("127.0.0.1", "localhost"))


def send(endpoint: str, keys: dict[str, str], payload: dict[str, Any], ttl: int = 86400) -> int:
    """Push `payload` (JSON) to one subscription; the push service's status code.
    SubscriptionGone on 404/410; WebPushUnavailable when not configured or refused."""
    vapid = _vapid()
    if vapid is None:
        raise WebPushUnavailable("WEB_PUSH_VAPID is not set")
    from pywebpush import WebPushException, webpush

    key, subject = vapid
    try:
        response = webpush({"endpoint": endpoint, "keys": keys}, json.dumps(payload, default=str),
                           vapid_private_key=key, vapid_claims={"sub": subject}, ttl=ttl,
                           timeout=5)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            raise SubscriptionGone(endpoint) from exc
        raise WebPushUnavailable(str(exc)) from exc
    return int(getattr(response, "status_code", 201))
