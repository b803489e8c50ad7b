"""Short links on the real Postgres and Redis: aliases unique, targets checked, the cached
redirect dropped on every change; clicks through moto's SQS into the daily rollups, counted once
however often a message is delivered."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from plaza import errors
from plaza.links import clicks, redirects, rollups, service
from plaza.links.models import LinkIn, LinkPatch, StatsQuery
from tests.integration.social.conftest import MakeUser, make_user
from tests.support.lambdas import FakeContext, load_function
from tests.support.moto import moto_queue

__all__ = ["make_user"]
BASE = "https://plz.example"
TARGET = "https://93.184.215.14/spring"
OTHER = "https://93.184.215.14/summer"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML,"
          " like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          " Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """moto's SQS with a clicks queue as CLICKS_QUEUE_URL."""
    monkeypatch.setenv("STAGE", "test")
    with moto_queue(monkeypatch, "clicks", "CLICKS_QUEUE_URL") as queue:
        yield queue


def _create(owner: str, url: str = TARGET, **fields: Any) -> str:
    return service.create_link(owner, LinkIn(url=url, **fields), BASE).value.code


def test_a_link_gets_a_random_unambiguous_code_or_its_alias(make_user: MakeUser) -> None:
    ann = make_user("ann")
    created = service.create_link(ann, LinkIn(url=TARGET), BASE)
    assert created.status == 201
    link = created.value
    assert len(link.code) == service.CODE_LENGTH and set(link.code) <= set(service.ALPHABET)
    assert link.short_url == f"{BASE}/l/{link.code}" and link.url == TARGET
    aliased = service.create_link(ann, LinkIn(url=TARGET, alias="Spring_26"), BASE).value
    assert aliased.code == "Spring_26"
    assert service.get_link(ann, "Spring_26", BASE).url == TARGET


def test_a_taken_alias_is_409_even_once_deleted(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    _create(ann, alias="launch")
    with pytest.raises(errors.Conflict):
        _create(bob, alias="launch")
    service.delete_link(ann, "launch")
    with pytest.raises(errors.Conflict):
        _create(bob, alias="launch")


@pytest.mark.parametrize("url", ["http://127.0.0.1/admin", "http://2130706433/",
                                 "http://[::1]/", "http://localhost:8080/", "ftp://93.184.215.14/",
                                 "https://user:pw@93.184.215.14/",
                                 "https://no-such-host.invalid/"])
def test_inside_unresolvable_or_non_http_targets_are_422(make_user: MakeUser, url: str) -> None:
    ann = make_user("ann")
    with pytest.raises(errors.Invalid) as refused:
        _create(ann, url=url)
    assert refused.value.errors[0]["field"] == "body.url"
    assert service.link_page(ann, 10, None, BASE).items == []


def test_an_expiry_in_the_past_is_422(make_user: MakeUser) -> None:
    ann = make_user("ann")
    with pytest.raises(errors.Invalid):
        _create(ann, expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))


def test_the_owner_lists_pages_and_nobody_else_sees_the_link(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    codes = [_create(ann) for _ in range(5)]
    first = service.link_page(ann, 3, None, BASE)
    second = service.link_page(ann, 3, first.next_cursor, BASE)
    assert [link.code for link in first.items + second.items] == codes[::-1]
    assert second.next_cursor is None
    for attempt in (lambda: service.get_link(bob, codes[0], BASE),
                    lambda: service.update_link(bob, codes[0], LinkPatch(url=OTHER), BASE),
                    lambda: service.delete_link(bob, codes[0]),
                    lambda: service.stats(bob, codes[0], StatsQuery())):
        with pytest.raises(errors.NotFound):
            attempt()


def test_the_redirect_is_cached_and_forgotten_on_change_and_delete(
        make_user: MakeUser, redis_client: redis.Redis) -> None:
    ann = make_user("ann")
    code = _create(ann)
    assert redirects.target(code) == TARGET
    assert json.loads(str(redis_client.get(redirects.cache_key(code))))["u"] == TARGET
    service.update_link(ann, code, LinkPatch(url=OTHER), BASE)
    assert redis_client.get(redirects.cache_key(code)) is None
    assert redirects.target(code) == OTHER
    service.delete_link(ann, code)
    with pytest.raises(errors.Gone):
        redirects.target(code)
    assert json.loads(str(redis_client.get(redirects.cache_key(code)))) == {"g": 1}


def test_unknown_codes_are_404_and_a_new_alias_is_not_hidden_by_the_cached_miss(
        make_user: MakeUser, redis_client: redis.Redis) -> None:
    ann = make_user("ann")
    with pytest.raises(errors.NotFound):
        redirects.target("fresh-alias")
    with pytest.raises(errors.NotFound):
        redirects.target("not a code!")
    assert redis_client.get(redirects.cache_key("fresh-alias")) is not None
    _create(ann, alias="fresh-alias")
    assert redirects.target("fresh-alias") == TARGET


def test_an_expired_link_is_gone_even_while_cached(make_user: MakeUser) -> None:
    ann = make_user("ann")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    code = _create(ann, expires_at=expires)
    assert redirects.target(code) == TARGET
    with pytest.raises(errors.Gone):
        redirects.target(code, now=expires.timestamp() + 1)
    service.update_link(ann, code, LinkPatch(expires_at=None), BASE)
    assert redirects.target(code, now=expires.timestamp() + 1) == TARGET


def _receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    records = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=0).get("Messages", []):
        for message in messages:
            records.append({"messageId": message["MessageId"], "body": message["Body"]})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return records


def test_clicks_count_once_under_redelivery_and_roll_up_per_day(
        make_user: MakeUser, queue: tuple[Any, str]) -> None:
    sqs, url = queue
    ann = make_user("ann")
    code = _create(ann)
    at = dt.datetime(2026, 12, 5, 23, 59, tzinfo=dt.UTC)
    visits = [("203.0.113.1", "https://news.example.com/a", SAFARI, "DE", at),
              ("203.0.113.1", "https://news.example.com/b", SAFARI, "DE", at),
              ("203.0.113.2", None, CHROME, "US", at),
              ("203.0.113.1", None, CHROME, None, at + dt.timedelta(minutes=2))]
    for ip, referer, agent, country, when in visits:
        assert clicks.enqueue(clicks.click(code, ip=ip, referer=referer, user_agent=agent,
                                           country=country, at=when))
    records = _receive_all(sqs, url)
    assert len(records) == 4
    consumer = load_function("functions/links/record_clicks.py")
    # The first delivery, then the same batch redelivered whole, then one message again.
    for batch in (records, records, records[:1]):
        assert consumer.handler({"Records": batch}, FakeContext()) == {"batchItemFailures": []}

    stats = service.stats(ann, code, StatsQuery(from_=at.date(), to=at.date() +
                                                dt.timedelta(days=1)))
    assert [(day.clicks, day.uniques) for day in stats.days] == [(3, 2), (1, 1)]
    assert (stats.clicks, stats.uniques) == (4, 3)
    assert {item.value: item.clicks for item in stats.referrers} == {
        "news.example.com": 2, rollups.DIRECT: 2}
    assert {item.value: item.clicks for item in stats.countries} == {
        "DE": 2, "US": 1, rollups.UNKNOWN: 1}
    assert {item.value: item.clicks for item in stats.browsers} == {"Mobile Safari": 2, "Chrome": 2}
    assert {item.value: item.clicks for item in stats.devices} == {"iPhone": 2, "Other": 2}
    assert service.get_link(ann, code, BASE).clicks == 4


def test_a_malformed_message_is_dropped_alone_and_clicks_of_unknown_codes_count_nothing(
        make_user: MakeUser, queue: tuple[Any, str]) -> None:
    ann = make_user("ann")
    code = _create(ann)
    good = clicks.click(code, ip="203.0.113.9", referer=None, user_agent=None, country=None)
    unknown = clicks.click("no-such-code", ip="203.0.113.9", referer=None, user_agent=None,
                           country=None)
    consumer = load_function("functions/links/record_clicks.py")
    answer = consumer.handler({"Records": [
        {"messageId": "m1", "body": "not json"}, {"messageId": "m2", "body": json.dumps(good)},
        {"messageId": "m3", "body": json.dumps(unknown)}]}, FakeContext())
    assert answer == {"batchItemFailures": []}
    assert service.stats(ann, code, StatsQuery()).clicks == 1


def test_stats_ranges_are_checked(make_user: MakeUser) -> None:
    ann = make_user("ann")
    code = _create(ann)
    default = service.stats(ann, code, StatsQuery())
    assert len(default.days) == service.DEFAULT_STATS_DAYS and default.clicks == 0
    with pytest.raises(errors.Invalid):
        service.stats(ann, code, StatsQuery(from_=dt.date(2026, 2, 1), to=dt.date(2026, 1, 1)))
    with pytest.raises(errors.Invalid):
        service.stats(ann, code, StatsQuery(from_=dt.date(2024, 1, 1), to=dt.date(2026, 1, 1)))


def test_idempotency_key_replays_the_first_link(make_user: MakeUser) -> None:
    ann = make_user("ann")
    key = "create-" + uuid.uuid4().hex
    first = service.create_link(ann, LinkIn(url=TARGET), BASE, key)
    again = service.create_link(ann, LinkIn(url=TARGET), BASE, key)
    assert again.replayed and again.value.code == first.value.code
    assert len(service.link_page(ann, 10, None, BASE).items) == 1
