"""Which URLs a short link may point to: http(s) only, at most 2,048 characters, no credentials,
and never a host inside a network (loopback, private, link-local, cloud metadata, ...), whether
it is written as an address in any of the forms a browser accepts (decimal `2130706433`, octal
`0177.0.0.1`, hex `0x7f.1`, IPv6 with an embedded IPv4) or as a name that resolves to one.

A name that does not resolve is refused: it could resolve to an inside address later, and a link
nobody can follow is no loss. A lookup that takes longer than RESOLVE_TIMEOUT_S is 503 (our DNS,
not the caller's URL). Resolving at create/update time does not stop a name from being re-pointed
later (DNS rebinding); Plaza never fetches the target itself, so that only moves a browser.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import unquote, urlsplit

from plaza import errors

MAX_URL_LENGTH = 2048
RESOLVE_TIMEOUT_S = 2.0
SCHEMES = frozenset({"http", "https"})
# Names that are inside by definition, resolved or not (RFC 6761 localhost, cloud metadata).
INSIDE_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal",
                          "metadata.goog", "instance-data", "instance-data.ec2.internal"})
INSIDE_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
# A resolver: host -> its addresses (text); raises OSError when the name does not resolve.
Resolver = Callable[[str], Iterable[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_lookups: ThreadPoolExecutor | None = None


class Refused(ValueError):
    """Why a URL may not be a link's target (its message is shown to the caller)."""


def system_resolver(host: str) -> list[str]:
    """The addresses getaddrinfo gives for `host` (any family)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def _resolve_in_time(resolve: Resolver, host: str, timeout_s: float) -> list[str]:
    """`resolve(host)` within `timeout_s`: getaddrinfo has no timeout of its own, so it runs on
    a worker thread (one pool per container) and an answer that comes too late is dropped."""
    global _lookups
    if _lookups is None:
        _lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="links-dns")
    future = _lookups.submit(lambda: list(resolve(host)))
    try:
        return future.result(timeout=timeout_s)
    except FutureTimeout:
        raise errors.Unavailable("The target's host name could not be resolved in time; retry",
                                 dependency="dns", retry_after=5) from None


def _ipv4_number(part: str) -> int | None:
    """One part of a WHATWG IPv4 host (decimal, 0x hex or 0-prefixed octal); None if not one."""
    text = part.lower()
    try:
        if text.startswith("0x"):
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isdigit() else None
    except ValueError:
        return None


def browser_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser reads `host` as (the WHATWG URL standard's IPv4 parser: 1-4
    parts, the last filling the remaining bytes), or None when the host is a name."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()  # a trailing dot
    if not parts or _ipv4_number(parts[-1]) is None:
        return None
    if len(parts) > 4:
        raise Refused("The host looks like an IPv4 address but has more than four parts")
    numbers = [_ipv4_number(part) for part in parts]
    if any(number is None for number in numbers):
        raise Refused("The host looks like an IPv4 address but is not a valid one")
    *front, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in front) or last >= 256 ** (5 - len(parts)):
        raise Refused("The host looks like an IPv4 address but is out of range")
    value = last
    for index, number in enumerate(front):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96") or address in ipaddress.IPv6Network(
            "::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_inside(address: IpAddress) -> bool:
    """Whether an address is not on the public internet: loopback, private, link-local (the
    metadata service at 169.254.169.254), shared (CGNAT), reserved, multicast, unspecified."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return True
        carried = embedded_ipv4(address)
        if carried is not None and is_inside(carried):
            return True
    return not address.is_global or address.is_multicast


def _address(text: str) -> IpAddress:
    """An address as text (an IPv6 one may carry a %zone, which is_inside refuses)."""
    return ipaddress.ip_address(text)


def checked_url(url: str, resolve: Resolver | None = system_resolver,
                timeout_s: float = RESOLVE_TIMEOUT_S) -> str:
    """`url` when it may be a link's target; Refused saying why otherwise. `resolve=None` skips
    the lookup of a host name (the address forms are always checked)."""
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"The URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise Refused("The URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"The URL is not valid: {error}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise Refused("Only http and https URLs can be shortened")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise Refused("The URL may not carry credentials (user:password@)")
    if "\\" in parts.netloc:
        raise Refused("The URL's host is not valid")
    # Browsers percent-decode the host before reading it (`%6c%6fcalhost` is localhost).
    host = unquote(parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("The URL has no host")
    if port == 0:
        raise Refused("The URL's port is not valid")
    if parts.netloc.split(":")[0].startswith("[") or ":" in host:
        try:
            literal = _address(host)
        except ValueError:
            raise Refused("The URL's IPv6 address is not valid") from None
        if is_inside(literal):
            raise Refused("The URL points inside a private network")
        return url
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Refused("The URL's host name is not valid") from None
    ipv4 = browser_ipv4(ascii_host)
    if ipv4 is not None:
        if is_inside(ipv4):
            raise Refused("The URL points inside a private network")
        return url
    if ascii_host in INSIDE_NAMES or ascii_host.endswith(INSIDE_SUFFIXES) or "." not in ascii_host:
        raise Refused("The URL points inside a private network")
    if resolve is None:
        return url
    try:
        addresses = _resolve_in_time(resolve, ascii_host, timeout_s)
    except OSError:
        raise Refused("The URL's host name does not resolve") from None
    if not addresses:
        raise Refused("The URL's host name does not resolve")
    for text in addresses:
        try:
            address = _address(text)
        except ValueError:
            raise Refused("The URL's host name resolves to something that is not an address") \
                from None
        if is_inside(address):
            raise Refused("The URL's host name resolves inside a private network")
    return url
