"""The Host headers the local cloud answers: loopback names and addresses, its own `--host`, and
any the developer allows (`--allow-host`, for a proxy in front of it).

DNS rebinding: a page on evil.example re-points its name at 127.0.0.1, and the browser then
treats the local cloud as the page's own origin, free to read its answers and press /_local's
buttons. Those requests still say `Host: evil.example`, so refusing them (421, as a server does
for a name it does not serve) is what closes the hole. Browsers resolve `*.localhost` to
loopback themselves, so those names are as safe as `localhost`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from plaza import errors

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ANY_HOST = "*"
# Host values already found allowed, looked up before any parsing: a handful in practice
# (host:port per gateway); bounded so a client making up names cannot grow it.
REMEMBERED = 64
_WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


class MisdirectedRequest(errors.PlazaError):
    status, title, code = 421, "Misdirected Request", "misdirected-request"


def hostname(host: str) -> str | None:
    """The name in a Host header value, lower-cased, without port or brackets; None if the value
    is not a host[:port]."""
    text = host.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        name, rest = text[1:end], text[end + 1:]
    else:
        name, colon, port = text.partition(":")
        rest = colon + port
    if rest and not (rest[:1] == ":" and rest[1:].isdigit()):
        return None
    return name.removesuffix(".") or None


def is_loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AllowedHosts:
    """Decides whether a request's Host is one the local cloud answers for.

    `extra` names more hosts: `name` (any port), `.example.com` (it and its subdomains) or `*`
    (any host: the check is off)."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        entries = [entry.strip().lower() for entry in extra if entry.strip()]
        self.any = ANY_HOST in entries
        self.names = frozenset(filter(None, (hostname(entry) for entry in entries
                                             if not entry.startswith("."))))
        self.suffixes = tuple(entry.removesuffix(".") for entry in entries
                              if entry.startswith("."))
        self._remembered: set[bytes] = set()

    @classmethod
    def for_server(cls, bound_host: str, extra: Iterable[str] = ()) -> AllowedHosts:
        """Loopback, `extra`, and the address the server listens on unless it is a wildcard
        (the local cloud's own URLs, e.g. the @connections endpoint, are built from it)."""
        own = [] if bound_host in _WILDCARD_ADDRESSES else [bound_host]
        return cls([*own, *extra])

    def allows(self, host: bytes | None) -> bool:
        if host in self._remembered or self.any:
            return True
        if host is None:
            return False  # HTTP/1.1 requires Host, and every browser sends it
        name = hostname(host.decode("latin-1"))
        if name is None or not (is_loopback(name) or name in self.names
                                or any(name == suffix[1:] or name.endswith(suffix)
                                       for suffix in self.suffixes)):
            return False
        if len(self._remembered) < REMEMBERED:
            self._remembered.add(host)
        return True

    def allows_headers(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        """`allows` for the Host among ASGI-style (lower-cased name, value) headers."""
        for name, value in headers:
            if name == b"host":
                return self.allows(value)
        return self.allows(None)


def refusal(host: str | None) -> MisdirectedRequest:
    shown = (host or "")[:100]
    return MisdirectedRequest(
        f"This local cloud answers only for localhost, 127.0.0.1 and [::1], not for "
        f"Host {shown!r}: a page can reach it by DNS rebinding otherwise. Behind a proxy, "
        f"start it with --allow-host NAME.")


async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a request or WebSocket handshake whose Host is not allowed with 421 problem+json."""
    host = next((value.decode("latin-1") for name, value in scope["headers"]
                 if name == b"host"), None)
    body = json.dumps(refusal(host).problem(instance=scope.get("path"))).encode()
    headers = [(b"content-type", b"application/problem+json"),
               (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 421, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    if scope["type"] != "websocket" or (await receive())["type"] != "websocket.connect":
        return
    if "websocket.http.response" in (scope.get("extensions") or {}):
        await send({"type": "websocket.http.response.start", "status": 421, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})
