"""Home feeds through the local cloud: a post fans out through the real post_fanout state machine
(moto's interpreter, Task states run by our handlers) and shows in followers' home feeds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e


class App(SignedInApp):
    """A signed-in user who also reads their home feed."""

    def home(self, **params: Any) -> list[str]:
        page = self.http.get("/v1/feed/home", params=params)
        assert page.status_code == 200, page.text
        return [item["id"] for item in page.json()["items"]]


@pytest.fixture
def app(deployment: Deployment) -> Iterator[Callable[[str], App]]:
    suffix = uuid.uuid4().hex[:8]
    made: list[App] = []

    def make(name: str) -> App:
        made.append(App(deployment, f"{name}_{suffix}"))
        return made[-1]

    yield make
    for each in made:
        each.close()


def _fanout_finished(cloud: RunningCloud, post_id: str, timeout: float = 10) -> dict[str, Any]:
    """The post's fan-out execution once it stopped (it is named after the post)."""
    machine = cloud.cloud.stack.state_machines["PostFanoutStateMachine"]
    arn = machine.arn.replace(":stateMachine:", ":execution:") + f":post-{post_id}"
    sfn = cloud.aws_client("stepfunctions")

    def finished() -> dict[str, Any] | None:
        try:
            execution = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None
        return None if execution["status"] == "RUNNING" else dict(execution)

    return eventually(finished, timeout=timeout, every=0.05)


def test_a_followers_home_feed_shows_a_new_post(
        app: Callable[[str], App], main_cloud: RunningCloud) -> None:
    alice, bob, carol = app("alice"), app("bob"), app("carol")
    assert bob.http.put(f"/v1/users/{alice.username}/follow").status_code == 204

    # How fast a post fans out is bench/feeds.py's row (goal <= 1 s), not this test's.
    first = alice.post("first post")
    assert _fanout_finished(main_cloud, first)["status"] == "SUCCEEDED"
    assert bob.home() == [first]  # and now bob's first page is cached
    posted_at = time.time()
    post = alice.post(f"hello @{carol.username}")
    execution = _fanout_finished(main_cloud, post)
    assert execution["status"] == "SUCCEEDED", execution

    assert post in bob.home()  # the fan-out moved bob's cached first page on
    assert alice.home()[0] == post  # the author's own feed too
    assert post not in carol.home()  # carol does not follow alice
    # The fan-out queued the post for search indexing, and the queue's consumer took it.
    def indexed() -> list[dict[str, Any]]:
        return [invocation for invocation in main_cloud.cloud.recorder.recent("invocation")
                if invocation["function"] == "SearchIndexFunction" and invocation["status"] == "ok"
                and invocation["started_at"] >= posted_at]

    assert eventually(indexed)
    # The notifications consumer drains the queue: the mention shows in carol's inbox.
    def mentions() -> list[dict[str, Any]]:
        return [item for item in carol.http.get("/v1/notifications").json()["items"]
                if item["data"].get("post_id") == post]

    mentioned = eventually(mentions, every=0.05)
    assert [(item["kind"], item["actor_username"]) for item in mentioned] == [
        ("mention", alice.username)]

    assert alice.http.delete(f"/v1/posts/{post}").status_code == 204
    assert post not in bob.home()
    bad = bob.http.get("/v1/feed/home", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_a_blocked_user_never_sees_the_blockers_posts(app: Callable[[str], App],
                                                       main_cloud: RunningCloud) -> None:
    blocker, blocked, friend = app("blocker"), app("blocked"), app("friend")
    for reader in (blocked, friend):
        assert reader.http.put(f"/v1/users/{blocker.username}/follow").status_code == 204
    before = blocker.post("before the block")
    assert _fanout_finished(main_cloud, before)["status"] == "SUCCEEDED"
    assert before in blocked.home()

    assert blocker.http.put(f"/v1/users/{blocked.username}/block").status_code == 204
    after = blocker.post("after the block")
    assert _fanout_finished(main_cloud, after)["status"] == "SUCCEEDED"

    assert friend.home()[:2] == [after, before]
    assert blocked.home() == []
    explore = blocked.http.get("/v1/feed/explore").json()["items"]
    assert not {item["id"] for item in explore} & {before, after}
    assert blocked.http.get(f"/v1/posts/{after}").status_code == 404
