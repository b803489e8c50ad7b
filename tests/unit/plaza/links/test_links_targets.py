"""Which URLs a short link may point to: public http(s) only, in every form a browser reads an
address in, and never a name that resolves inside a network."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable

import pytest

from plaza import errors
from plaza.links import targets
from plaza.links.targets import Refused, checked_url


def resolving_to(*addresses: str) -> targets.Resolver:
    def resolve(host: str) -> Iterable[str]:
        return list(addresses)

    return resolve


def not_resolving(host: str) -> Iterable[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


PUBLIC = resolving_to("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")


@pytest.mark.parametrize("url", [
    "https://example.com/",
    "http://example.com:8080/a/b?c=d#e",
    "https://93.184.215.14/page",
    "https://[2606:4700:4700::1111]/",
    "https://bücher.example/",
    "HTTPS://EXAMPLE.COM/Path",
])
def test_public_http_targets_are_accepted(url: str) -> None:
    assert checked_url(url, resolve=PUBLIC) == url


@pytest.mark.parametrize("url", [
    "ftp://example.com/file", "javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd",
    "example.com", "//example.com/x", "mailto:a@example.com",
])
def test_only_http_and_https_are_accepted(url: str) -> None:
    with pytest.raises(Refused):
        checked_url(url, resolve=PUBLIC)


def test_at_most_2048_characters() -> None:
    base = "https://example.com/"
    assert checked_url(base + "a" * (2048 - len(base)), resolve=PUBLIC)
    with pytest.raises(Refused, match="2048"):
        checked_url(base + "a" * (2049 - len(base)), resolve=PUBLIC)


@pytest.mark.parametrize("url", [
    "https://user:secret@example.com/", "https://user@example.com/", "https://:pw@example.com/",
    "http://example.com\\@inside/", "https://example.com@127.0.0.1/",
])
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        checked_url(url, resolve=PUBLIC)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.255.255.254:8080/", "http://10.0.0.1/", "http://172.16.5.4/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
    "http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/", "http://198.18.0.1/",
    # Decimal, octal, hex and short forms a browser reads as 127.0.0.1 / 169.254.169.254.
    "http://2130706433/", "http://0177.0.0.1/", "http://0x7f000001/", "http://0x7f.1/",
    "http://127.1/", "http://017700000001/", "http://2852039166/", "http://0xA9.0xFE.0xA9.0xFE/",
    "http://0/", "http://127.0.0.1./",
    # Percent-encoded hosts are decoded by browsers first.
    "http://%31%32%37.0.0.1/", "http://%6c%6fcalhost/",
])
def test_ipv4_inside_addresses_in_any_form_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        checked_url(url, resolve=PUBLIC)


@pytest.mark.parametrize("url", [
    "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fe80::1%25eth0]/",
    "http://[fc00::1]/", "http://[fd00:ec2::254]/",  # AWS's IPv6 metadata endpoint
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[::127.0.0.1]/", "http://[ff02::1]/",
])
def test_ipv6_inside_addresses_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        checked_url(url, resolve=PUBLIC)


@pytest.mark.parametrize("url", ["http://[::g]/", "http://[1.2.3.4]/", "http://256.0.0.1/",
                                 "http://1.2.3.4.5/", "http://0x100000000/", "http://08.0.0.1/"])
def test_malformed_addresses_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        checked_url(url, resolve=PUBLIC)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "app.localhost", "metadata.google.internal",
                                  "db.internal", "printer.local", "intranet"])
def test_inside_names_are_refused_without_asking_dns(host: str) -> None:
    asked: list[str] = []

    def resolve(name: str) -> Iterable[str]:
        asked.append(name)
        return ["93.184.215.14"]

    with pytest.raises(Refused):
        checked_url(f"http://{host}/", resolve=resolve)
    assert asked == []


@pytest.mark.parametrize("addresses", [
    ("127.0.0.1",), ("10.1.2.3",), ("169.254.169.254",), ("::1",), ("fd00:ec2::254",),
    ("::ffff:10.0.0.1",),
    # One inside address among public ones is enough to refuse.
    ("93.184.215.14", "192.168.0.10"),
])
def test_a_name_that_resolves_inside_a_network_is_refused(addresses: tuple[str, ...]) -> None:
    with pytest.raises(Refused, match="resolves inside"):
        checked_url("https://rebind.example.com/", resolve=resolving_to(*addresses))


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(Refused, match="does not resolve"):
        checked_url("https://no-such-host.example/", resolve=not_resolving)
    with pytest.raises(Refused, match="does not resolve"):
        checked_url("https://empty.example/", resolve=resolving_to())


def test_a_lookup_slower_than_the_timeout_is_a_503_not_a_hang() -> None:
    release = threading.Event()

    def slow(host: str) -> Iterable[str]:
        release.wait(5)
        return ["93.184.215.14"]

    try:
        with pytest.raises(errors.Unavailable) as raised:
            checked_url("https://slow.example/", resolve=slow, timeout_s=0.05)
    finally:
        release.set()
    assert raised.value.status == 503


def test_the_system_resolver_reads_the_hosts_file() -> None:
    # localhost is in every hosts file: the lookup path itself, no network needed.
    assert "127.0.0.1" in targets.system_resolver("localhost") or "::1" in \
        targets.system_resolver("localhost")


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"),
    ("1.2.3.4.", "1.2.3.4"),
])
def test_browser_ipv4_forms(host: str, address: str) -> None:
    assert targets.browser_ipv4(host) == ipaddress.IPv4Address(address)


def test_a_name_is_no_ipv4_address() -> None:
    assert targets.browser_ipv4("example.com") is None
    assert targets.browser_ipv4("1.2.3.example") is None
