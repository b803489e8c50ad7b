"""Short links through the local cloud, as an app and a browser use them: create (an alias taken
is 409, an inside target 422), follow (302; unknown 404, deleted or expired 410, problem+json),
clicks counted once however often the queue delivers them, the owner's stats and live counter."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from localcloud.template import ACCOUNT_ID
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e]
# A public address: the e2e machine may have no DNS, and a name that does not resolve is refused.
TARGET = "https://93.184.215.14/spring?ref=plaza"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML,"
          " like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


@pytest.fixture
def members(deployment: Deployment) -> Iterator[tuple[Member, Member]]:
    with ExitStack() as stack:
        suffix = uuid.uuid4().hex[:8]
        yield (Member(deployment, stack, f"lia_{suffix}"), Member(deployment, stack, f"max_{suffix}"))


def _api(member: Member, method: str, path: str, **options: Any) -> httpx.Response:
    with member.http() as client:
        return client.request(method, path, **options)


def _visit(deployment: Deployment, code: str, source: str | None = None,
           **headers: str) -> httpx.Response:
    with deployment.client(source, follow_redirects=False) as client:
        return client.get(f"/l/{code}", headers=headers)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["status"] == status
    return body


def test_create_follow_and_the_answers_of_unknown_deleted_and_expired_links(
        members: tuple[Member, Member]) -> None:
    lia, max_ = members
    alias = f"spring-{uuid.uuid4().hex[:8]}"
    created = _api(lia, "POST", "/v1/links", json={"url": TARGET, "alias": alias})
    assert created.status_code == 201, created.text
    link = created.json()
    assert (link["code"], link["url"], link["expires_at"]) == (alias, TARGET, None)
    assert link["short_url"].endswith(f"/l/{alias}") and link["created_at"]
    assert created.headers["ratelimit-limit"] == "100"

    taken = _api(max_, "POST", "/v1/links", json={"url": TARGET, "alias": alias})
    _problem(taken, 409)

    followed = _visit(lia.deployment, alias)
    assert followed.status_code == 302 and followed.headers["location"] == TARGET
    assert "no-store" in followed.headers["cache-control"]
    _problem(_visit(lia.deployment, f"nope-{uuid.uuid4().hex[:8]}"), 404)

    assert _api(max_, "GET", f"/v1/links/{alias}").status_code == 404
    assert _api(max_, "DELETE", f"/v1/links/{alias}").status_code == 404
    moved = _api(lia, "PATCH", f"/v1/links/{alias}", json={"url": TARGET + "&v=2"})
    assert moved.status_code == 200 and moved.json()["url"] == TARGET + "&v=2"
    assert _visit(lia.deployment, alias).headers["location"] == TARGET + "&v=2"
    assert _api(lia, "DELETE", f"/v1/links/{alias}").status_code == 204
    _problem(_visit(lia.deployment, alias), 410)
    assert _api(lia, "GET", f"/v1/links/{alias}").status_code == 404

    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)).isoformat()
    short = _api(lia, "POST", "/v1/links", json={"url": TARGET, "expires_at": soon})
    assert short.status_code == 201, short.text
    code = short.json()["code"]
    assert _visit(lia.deployment, code).status_code == 302
    expired = eventually(lambda: (answer := _visit(lia.deployment, code)).status_code == 410
                         and answer, timeout=10, every=0.25)
    assert "expired" in _problem(expired, 410)["detail"]

    mine = _api(lia, "GET", "/v1/links", params={"limit": 10})
    assert mine.status_code == 200 and [item["code"] for item in mine.json()["items"]] == [code]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:3000/_local", "http://localhost/", "http://2130706433/",
    "http://0177.0.0.1/", "http://[::1]/", "http://[::ffff:169.254.169.254]/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/", "https://user:pw@93.184.215.14/",
    "ftp://93.184.215.14/", "https://no-such-host.invalid/", "https://" + "a" * 2048 + ".com/",
])
def test_internal_and_malformed_targets_are_refused(members: tuple[Member, Member],
                                                     url: str) -> None:
    lia, _ = members
    refused = _problem(_api(lia, "POST", "/v1/links", json={"url": url}), 422)
    assert refused["errors"][0]["field"] == "body.url"


def test_a_bad_alias_is_422(members: tuple[Member, Member]) -> None:
    lia, _ = members
    for alias in ("ab", "x" * 33, "has space", "dot.ted", "ümlaut"):
        _problem(_api(lia, "POST", "/v1/links", json={"url": TARGET, "alias": alias}), 422)


def _stats(member: Member, code: str) -> dict[str, Any]:
    answer = _api(member, "GET", f"/v1/links/{code}/stats")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.local_only(reason="redelivers a click through the local cloud's ClicksQueue")
def test_clicks_count_once_under_redelivery_with_stats_and_a_live_counter(
        members: tuple[Member, Member], main_cloud: RunningCloud) -> None:
    lia, max_ = members
    created = _api(lia, "POST", "/v1/links", json={"url": TARGET})
    code = created.json()["code"]

    socket = lia.socket()
    socket.send(json.dumps({"action": "subscribe", "topic": f"link:{code}", "id": 1}))
    assert json.loads(socket.recv(timeout=10))["type"] == "subscribed"
    with max_.deployment.socket(f"token={max_.token}&device_id={next(iter(max_.devices))}",
                                max_.source) as other:
        other.send(json.dumps({"action": "subscribe", "topic": f"link:{code}", "id": 2}))
        refused = json.loads(other.recv(timeout=10))
        assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused

    deployment = lia.deployment
    assert _visit(deployment, code, lia.source, referer="https://news.example.com/today",
                  **{"user-agent": SAFARI, "cloudfront-viewer-country": "DE"}).status_code == 302
    frame = json.loads(socket.recv(timeout=20))
    assert (frame["type"], frame["topic"], frame["code"], frame["clicks"]) == (
        "link.clicks", f"link:{code}", code, 1)
    assert (frame["day_clicks"], frame["day_uniques"]) == (1, 1)

    assert _visit(deployment, code, lia.source, **{"user-agent": SAFARI}).status_code == 302
    assert _visit(deployment, code, max_.source).status_code == 302
    # A click as SQS would deliver it twice (at-least-once): the same message, sent again.
    sqs: Any = main_cloud.aws_client("sqs")
    queue = f"{main_cloud.aws_endpoint}/{ACCOUNT_ID}/" \
            f"{main_cloud.cloud.stack.queues['ClicksQueue'].name}"
    click = {"id": str(uuid.uuid4()), "code": code, "at": dt.datetime.now(dt.UTC).isoformat(),
             "referrer": "", "country": "FR", "visitor": uuid.uuid4().hex, "user_agent": ""}
    for _ in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(click))

    def all_counted() -> dict[str, Any] | None:
        stats = _stats(lia, code)
        return stats if stats["clicks"] >= 4 else None

    stats = eventually(all_counted, timeout=30, every=0.25)
    # Nothing more arrives after the four: the redelivered copies counted nothing.
    assert _api(lia, "GET", f"/v1/links/{code}").json()["clicks"] == 4
    assert stats["clicks"] == 4 and stats["uniques"] == 3
    assert stats["days"][-1] == {"day": dt.datetime.now(dt.UTC).date().isoformat(),
                                 "clicks": 4, "uniques": 3}
    assert {item["value"]: item["clicks"] for item in stats["countries"]} == {
        "DE": 1, "FR": 1, "(unknown)": 2}
    assert {"value": "news.example.com", "clicks": 1} in stats["referrers"]
    assert {"value": "iPhone", "clicks": 2} in stats["devices"]
    assert {"value": "Mobile Safari", "clicks": 2} in stats["browsers"]
    assert _api(max_, "GET", f"/v1/links/{code}/stats").status_code == 404
    _problem(_api(lia, "GET", f"/v1/links/{code}/stats", params={"from": "2026-02-01",
                                                                 "to": "2026-01-01"}), 422)
