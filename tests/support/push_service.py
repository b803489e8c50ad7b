"""A Web Push service stand-in (RFC 8030) on loopback, as strict as the browsers' own about what
reaches it: a VAPID Authorization header (RFC 8292) whose ES256 token verifies with the key it
names, for this origin, unexpired; an aes128gcm body (RFC 8291) that decrypts with the
subscription's private key. Endpoints under /gone/ answer 410 like an expired subscription."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserSubscription:
    """What a browser holds: the endpoint, its ECDH key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def to_json(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": _b64(public), "auth": _b64(self.auth)}}


@dataclass
class PushService:
    server: ThreadingHTTPServer
    subscriptions: dict[str, BrowserSubscription] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)  # decrypted, verified pushes
    refused: list[str] = field(default_factory=list)  # why requests were refused

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def subscribe(self, gone: bool = False) -> BrowserSubscription:
        path = f"/{'gone' if gone else 'push'}/{uuid.uuid4().hex}"
        subscription = BrowserSubscription(f"{self.origin}{path}",
                                           ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.subscriptions[path] = subscription
        return subscription

    def handle(self, path: str, headers: Any, body: bytes) -> int:
        subscription = self.subscriptions.get(path)
        if subscription is None:
            return 404
        scheme, _, params = (headers.get("Authorization") or "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        if scheme.lower() != "vapid" or "t" not in fields or "k" not in fields:
            self.refused.append("no VAPID authorization")
            return 401
        server_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                                  _unb64(fields["k"]))
        try:
            claims = jwt.decode(fields["t"], server_key, algorithms=["ES256"], audience=self.origin,
                                options={"require": ["exp", "aud", "sub"]})
        except jwt.PyJWTError as error:
            self.refused.append(f"VAPID token: {error}")
            return 403
        if claims["exp"] > time.time() + 24 * 3600:
            self.refused.append("VAPID token lives over 24 h")
            return 403
        if headers.get("Content-Encoding") != "aes128gcm" or not headers.get("TTL"):
            self.refused.append("not aes128gcm, or no TTL")
            return 400
        if path.startswith("/gone/"):
            return 410
        plain = http_ece.decrypt(body, private_key=subscription.private_key,
                                 auth_secret=subscription.auth, version="aes128gcm")
        self.received.append({"endpoint": subscription.endpoint, "claims": claims,
                              "payload": json.loads(plain)})
        return 201


def start_push_service() -> PushService:
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = service.handle(self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(server)
    threading.Thread(target=server.serve_forever, daemon=True, name="push-service").start()
    return service
