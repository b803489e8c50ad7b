"""A click as the redirect queues it: a pseudonym of the address per day (never the address),
the referrer's host, a two-letter country or nothing; and what the consumer reads back."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from plaza import config
from plaza.config import ConfigurationError
from plaza.links import clicks, rollups

DAY = dt.date(2026, 12, 6)
AT = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML,"
          " like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


@pytest.fixture(autouse=True)
def _local_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.delenv("LINKS_CLICK_SALT", raising=False)
    config.reset_settings()


def test_the_visitor_hash_is_per_day_per_salt_and_hides_the_address() -> None:
    first = clicks.visitor_hash("203.0.113.7", DAY, b"salt")
    assert first == clicks.visitor_hash("203.0.113.7", DAY, b"salt")
    assert first != clicks.visitor_hash("203.0.113.7", DAY + dt.timedelta(days=1), b"salt")
    assert first != clicks.visitor_hash("203.0.113.7", DAY, b"other salt")
    assert first != clicks.visitor_hash("203.0.113.8", DAY, b"salt")
    assert "203.0.113.7" not in first and len(first) == 32


def test_a_click_never_carries_the_address() -> None:
    message = clicks.click("abc", ip="198.51.100.23", referer="https://news.example.com/a?b=c",
                           user_agent=IPHONE, country="de", at=AT)
    assert "198.51.100.23" not in json.dumps(message)
    assert message["referrer"] == "news.example.com"
    assert message["country"] == "DE"
    assert message["visitor"] == clicks.visitor_hash("198.51.100.23", DAY, clicks.DEV_SALT)
    assert message["at"] == AT.isoformat()


@pytest.mark.parametrize(("header", "country"), [(None, ""), ("XX1", ""), ("", ""), ("us", "US"),
                                                 ("<script>", "")])
def test_the_country_is_two_letters_or_nothing(header: str | None, country: str) -> None:
    assert clicks.click("abc", ip="1.1.1.1", referer=None, user_agent=None, country=header,
                        at=AT)["country"] == country


@pytest.mark.parametrize(("referer", "host"), [(None, ""), ("not a url", ""),
                                               ("https://User@Example.COM:8443/x", "example.com"),
                                               ("http://[::1", "")])
def test_only_the_referrers_host_is_kept(referer: str | None, host: str) -> None:
    assert clicks.referrer_host(referer) == host


def test_a_configured_salt_is_used_and_aws_stages_need_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKS_CLICK_SALT", "a-long-random-secret")
    config.reset_settings()
    assert clicks.salt() == b"a-long-random-secret"
    monkeypatch.setenv("LINKS_CLICK_SALT", "")
    monkeypatch.setenv("STAGE", "prod")
    config.reset_settings()
    with pytest.raises(ConfigurationError, match="LINKS_CLICK_SALT"):
        clicks.salt()


def test_the_consumer_reads_a_click_and_names_browser_and_device() -> None:
    message = clicks.click("launch", ip="1.1.1.1", referer=None, user_agent=IPHONE, country=None,
                           at=AT)
    read = rollups.read(json.loads(json.dumps(message)))
    assert read["code"] == "launch" and read["day"] == DAY
    assert (read["browser"], read["device"]) == ("Mobile Safari", "iPhone")
    assert (read["referrer"], read["country"]) == (rollups.DIRECT, rollups.UNKNOWN)


@pytest.mark.parametrize("message", [
    {}, {"id": "not-a-uuid", "code": "a", "at": AT.isoformat(), "visitor": "v"},
    {"id": "5f0c8a7e-2d41-4b9c-8e3a-6b1f9d2c7a40", "code": "", "at": AT.isoformat(), "visitor": "v"},
    {"id": "5f0c8a7e-2d41-4b9c-8e3a-6b1f9d2c7a40", "code": "a", "at": "2026-12-06T09:00:00",
     "visitor": "v"},
    {"id": "5f0c8a7e-2d41-4b9c-8e3a-6b1f9d2c7a40", "code": "a", "at": "yesterday", "visitor": "v"},
])
def test_a_message_that_is_no_click_is_malformed(message: dict[str, str]) -> None:
    with pytest.raises(rollups.Malformed):
        rollups.read(message)
