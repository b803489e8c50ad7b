"""Which Host headers the local cloud answers: loopback and what the developer allows."""

from __future__ import annotations

import pytest

from localcloud.__main__ import parse_args
from localcloud.allowed_hosts import AllowedHosts, hostname


@pytest.mark.parametrize("host", [
    b"localhost", b"localhost:3000", b"LOCALHOST:3000", b"localhost.:3000", b"app.localhost:3000",
    b"127.0.0.1", b"127.0.0.1:3000", b"127.8.9.10:3001", b"[::1]", b"[::1]:3000",
])
def test_loopback_hosts_are_answered(host: bytes) -> None:
    assert AllowedHosts().allows(host)


@pytest.mark.parametrize("host", [
    b"evil.example", b"evil.example:3000", b"localhost.evil.example", b"evillocalhost:3000",
    b"127.0.0.1.evil.example", b"10.0.0.5:3000", b"0.0.0.0:3000", b"[::2]:3000", b"::1",
    b"localhost:3000:1", b"localhost:port", b"[::1", b"", None,
])
def test_other_hosts_are_refused(host: bytes | None) -> None:
    assert not AllowedHosts().allows(host)


def test_a_refused_host_stays_refused_after_allowed_ones_are_remembered() -> None:
    hosts = AllowedHosts()
    assert hosts.allows(b"localhost:3000") and hosts.allows(b"localhost:3000")
    assert not hosts.allows(b"evil.example:3000")
    assert not hosts.allows(b"evil.example:3000")


def test_allowed_names_suffixes_and_any() -> None:
    hosts = AllowedHosts(["Dev.Example.test", ".proxy.test"])
    assert hosts.allows(b"dev.example.test") and hosts.allows(b"dev.example.test:8443")
    assert hosts.allows(b"proxy.test") and hosts.allows(b"a.b.proxy.test:443")
    assert not hosts.allows(b"example.test") and not hosts.allows(b"evilproxy.test")
    assert AllowedHosts(["*"]).allows(b"evil.example")


def test_the_address_the_server_listens_on_is_answered_unless_it_is_a_wildcard() -> None:
    assert AllowedHosts.for_server("192.168.1.5").allows(b"192.168.1.5:3000")
    assert not AllowedHosts.for_server("0.0.0.0").allows(b"0.0.0.0:3000")
    assert not AllowedHosts.for_server("0.0.0.0").allows(b"192.168.1.5:3000")


def test_hostname_drops_port_brackets_and_case() -> None:
    assert hostname("LocalHost:3000") == "localhost"
    assert hostname("[::1]:3001") == "::1"
    assert hostname("localhost:") is None
    assert hostname("evil.example:80x") is None


def test_allow_host_is_a_repeatable_option() -> None:
    assert parse_args(["--allow-host", "a.test", "--allow-host", ".b.test"]).allow_host == [
        "a.test", ".b.test"]
    assert parse_args([]).allow_host == []
