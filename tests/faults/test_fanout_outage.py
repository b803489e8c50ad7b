"""Fan-out survives outages: a post made before or during a Postgres outage reaches every
follower's home feed, exactly once, without anyone acting.

A short outage is outlived by the state machine's retries (the local cloud waits them out for
real, so the outage here lasts just past the old policy's four attempts); a fan-out that still
stopped, or never started, is started again by the scheduled reconciler.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from localcloud.event_sources import EventSources
from tests.support.apps import SignedInApp
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.private_stores import PrivateStores, cloud_on, deployment_of

pytestmark = pytest.mark.e2e

FOLLOWERS = 3


@pytest.fixture(scope="module")
def cloud(private: PrivateStores) -> Iterator[RunningCloud]:
    # Every unfinished fan-out is the reconciler's at once: the tests trigger it by hand.
    with cloud_on(private, FANOUT_RECONCILE_AFTER_S="0") as running:
        yield running


class Feeds:
    """An author, followers who read their home feeds, and the fan-out's executions."""

    def __init__(self, cloud: RunningCloud) -> None:
        deployment = deployment_of(cloud)
        suffix = uuid.uuid4().hex[:8]
        self.cloud = cloud
        self.author = SignedInApp(deployment, f"author_{suffix}")
        self.followers = [SignedInApp(deployment, f"reader{n}_{suffix}")
                          for n in range(FOLLOWERS)]
        for follower in self.followers:
            followed = follower.http.put(f"/v1/users/{self.author.username}/follow")
            assert followed.status_code == 204, followed.text
        self.sfn = cloud.aws_client("stepfunctions")
        self.machine = cloud.cloud.stack.state_machines["PostFanoutStateMachine"].arn

    def execution_arn(self, name: str) -> str:
        return self.machine.replace(":stateMachine:", ":execution:") + f":{name}"

    def status(self, name: str) -> str | None:
        try:
            return str(self.sfn.describe_execution(executionArn=self.execution_arn(name))["status"])
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None

    def finished(self, name: str, timeout: float = 60) -> str:
        """The execution's status once it stopped running."""
        def ended() -> str | None:
            status = self.status(name)
            return status if status not in (None, "RUNNING") else None

        return eventually(ended, timeout=timeout, every=0.2)

    def failed_tasks(self, name: str) -> int:
        events = self.sfn.get_execution_history(executionArn=self.execution_arn(name),
                                                maxResults=1000)["events"]
        return sum(1 for event in events if event["type"] == "TaskFailed")

    def times_in_each_feed(self, post_id: str) -> list[int]:
        """How often the post is on each follower's first home page."""
        counts = []
        for follower in self.followers:
            page = follower.http.get("/v1/feed/home", params={"limit": 100})
            assert page.status_code == 200, page.text
            counts.append([item["id"] for item in page.json()["items"]].count(post_id))
        return counts

    def close(self) -> None:
        for app in (self.author, *self.followers):
            app.close()


@pytest.fixture
def feeds(cloud: RunningCloud) -> Iterator[Feeds]:
    made = Feeds(cloud)
    yield made
    made.close()


class FeedWritesHeld:
    """Holds a lock that makes every fan-out batch wait, so an outage meets a batch mid-write."""

    def __init__(self, private: PrivateStores) -> None:
        self.private = private
        self.conn = psycopg.connect(private.postgres.url, autocommit=False)
        self.conn.execute("LOCK TABLE home_feed_entries IN SHARE MODE")

    def batch_waiting(self) -> bool:
        rows = self.private.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'INSERT INTO home_feed_entries%%'")
        return bool(rows[0][0])

    def drop(self) -> None:
        """The lock goes with its connection, which the outage already cut."""
        self.conn.close()


def test_a_fanout_outlives_a_postgres_outage_longer_than_four_attempts(
        private: PrivateStores, feeds: Feeds) -> None:
    held = FeedWritesHeld(private)
    post = feeds.author.post("made just before the outage")
    name = f"post-{post}"
    eventually(held.batch_waiting, timeout=30)
    private.stop_postgres()
    held.drop()
    try:
        # Four failed attempts: where the old policy (three retries) gave up for good.
        eventually(lambda: feeds.failed_tasks(name) >= 4, timeout=60, every=0.2)
    finally:
        private.start_postgres()

    assert feeds.finished(name) == "SUCCEEDED"
    assert feeds.status(f"{name}-r1") is None  # the retries did it, not the reconciler
    assert feeds.times_in_each_feed(post) == [1] * FOLLOWERS


def test_the_reconciler_fans_out_posts_whose_fanout_stopped_or_never_started(
        private: PrivateStores, feeds: Feeds, cloud: RunningCloud) -> None:
    # A fan-out an outage stopped for good: stopped by hand, as running out of retries would.
    held = FeedWritesHeld(private)
    stopped = feeds.author.post("its fan-out ran out of retries")
    eventually(held.batch_waiting, timeout=30)
    private.stop_postgres()
    held.drop()
    try:
        feeds.sfn.stop_execution(executionArn=feeds.execution_arn(f"post-{stopped}"))
        # ABORTED on AWS; moto's interpreter ends a stop inside a Map as FAILED.
        assert feeds.finished(f"post-{stopped}") in ("ABORTED", "FAILED")
    finally:
        private.start_postgres()
    # A post stored while Step Functions could not be reached: no execution at all.
    author_id = feeds.author.http.get("/v1/auth/me").json()["user"]["id"]
    never = str(private.sql("INSERT INTO posts (author_id, text) VALUES (%s, 'never started')"
                            " RETURNING id::text", (author_id,))[0][0])
    assert feeds.times_in_each_feed(stopped) == feeds.times_in_each_feed(never) == [0] * FOLLOWERS

    # The schedule may have fired on its own meanwhile: either run's restarts count.
    _reconcile(cloud)
    for post in (stopped, never):
        assert feeds.finished(f"post-{post}-r1") == "SUCCEEDED"
        assert feeds.times_in_each_feed(post) == [1] * FOLLOWERS

    again = _reconcile(cloud)
    assert (again["restarted"], feeds.status(f"post-{stopped}-r2")) == (0, None)
    assert feeds.times_in_each_feed(stopped) == [1] * FOLLOWERS


def _reconcile(cloud: RunningCloud) -> dict[str, Any]:
    sources = next(c for c in cloud.cloud.components if isinstance(c, EventSources))
    result = cloud.run(sources.trigger_schedule("FeedsReconcileFanoutFunction"))
    return dict(json.loads(result) if isinstance(result, str) else result)
