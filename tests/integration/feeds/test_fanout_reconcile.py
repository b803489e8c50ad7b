"""The fan-out reconciler: which posts it restarts (unfinished, live, past the grace, within the
horizon, not running) and that restarting is idempotent (new execution names, no feed row twice).

Step Functions is moto's plain backend here: an execution stays RUNNING until it is stopped,
which is how a fan-out still retrying looks to the reconciler.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from plaza.feeds import fanout, reconcile, repo
from plaza.stores import db
from tests.integration.feeds.conftest import FanOut, Graph
from tests.support.step_functions import stand_in_fanout_machine


@dataclass
class Machine:
    client: Any
    arn: str

    def start(self, name: str) -> str:
        return str(self.client.start_execution(stateMachineArn=self.arn, name=name,
                                               input="{}")["executionArn"])

    def stop(self, name: str) -> None:
        arn = self.arn.replace(":stateMachine:", ":execution:") + f":{name}"
        self.client.stop_execution(executionArn=arn)

    def executions(self) -> dict[str, dict[str, Any]]:
        """Every execution by name, with its status and input."""
        found = self.client.list_executions(stateMachineArn=self.arn)["executions"]
        return {e["name"]: {"status": e["status"], "input": json.loads(
            self.client.describe_execution(executionArn=e["executionArn"])["input"])}
            for e in found}


@pytest.fixture
def machine(graph: Graph, monkeypatch: pytest.MonkeyPatch,
            feed_settings: Callable[..., None]) -> Iterator[Machine]:
    """A post_fanout stand-in the reconciler talks to; posts count as unfinished at once."""
    feed_settings(fanout_reconcile_after_s=0)
    with stand_in_fanout_machine(monkeypatch) as (client, arn):
        yield Machine(client, arn)


def test_only_unfinished_fanouts_of_live_posts_within_the_horizon_are_restarted(
        graph: Graph, machine: Machine) -> None:
    author, suspended = graph.user("author"), graph.user("suspended")
    unfinished = graph.post(author, "never fanned out")
    completed = graph.post(author, "fanned out")
    fanout.record_completed(completed)
    deleted = graph.post(author, "deleted")
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (deleted,))
    graph.post(suspended, "hidden")
    db.execute("UPDATE users SET status = 'suspended' WHERE id = %s", (suspended,))
    ancient = graph.post(author, "two days old")
    db.execute("UPDATE posts SET created_at = now() - interval '2 days' WHERE id = %s", (ancient,))

    assert reconcile.reconcile_fanouts() == {"unfinished": 1, "running": 0, "restarted": 1}

    assert machine.executions() == {f"post-{unfinished}-r1": {
        "status": "RUNNING", "input": {"post_id": unfinished, "author_id": author}}}


def test_a_post_younger_than_the_grace_is_left_to_its_own_start(
        graph: Graph, machine: Machine, feed_settings: Callable[..., None]) -> None:
    feed_settings(fanout_reconcile_after_s=60)
    graph.post(graph.user("author"))

    assert reconcile.reconcile_fanouts()["unfinished"] == 0
    assert machine.executions() == {}


def test_a_running_fanout_is_left_alone_and_each_stopped_one_restarted_once(
        graph: Graph, machine: Machine) -> None:
    post = graph.post(graph.user("author"))
    machine.start(f"post-{post}")  # made by create-post, still retrying

    assert reconcile.reconcile_fanouts() == {"unfinished": 1, "running": 1, "restarted": 0}
    machine.stop(f"post-{post}")  # its retries ran out
    assert reconcile.reconcile_fanouts()["restarted"] == 1
    assert reconcile.reconcile_fanouts()["restarted"] == 0  # r1 runs
    machine.stop(f"post-{post}-r1")
    assert reconcile.reconcile_fanouts()["restarted"] == 1

    assert {name: e["status"] for name, e in machine.executions().items()} == {
        f"post-{post}": "ABORTED", f"post-{post}-r1": "ABORTED", f"post-{post}-r2": "RUNNING"}


def test_a_completed_fanout_is_not_restarted_even_after_its_execution_stopped(
        graph: Graph, machine: Machine) -> None:
    post = graph.post(graph.user("author"))
    machine.start(f"post-{post}")
    fanout.record_completed(post)
    machine.stop(f"post-{post}")

    assert reconcile.reconcile_fanouts() == {"unfinished": 0, "running": 0, "restarted": 0}


def test_of_two_reconcilers_seeing_the_same_restart_count_one_claims_it(graph: Graph) -> None:
    post = graph.post(graph.user("author"))

    assert repo.claim_fanout_restart(post, 0) == 1
    assert repo.claim_fanout_restart(post, 0) is None
    fanout.record_completed(post)
    assert repo.claim_fanout_restart(post, 1) is None


def test_a_restarted_fanout_writes_only_the_rows_the_stopped_one_did_not(
        graph: Graph, fan_out: FanOut, feed_settings: Callable[..., None]) -> None:
    feed_settings(fanout_batch_size=10)
    author = graph.user("author")
    followers = graph.followers(author, 25)
    post = graph.post(author)
    plan = fanout.plan_fanout(post)
    assert len(plan["batches"]) == 3
    first = fanout.write_batch(post, plan["batches"][0])  # then the outage stopped it

    assert fan_out(post) == len(followers) - first  # the restart, from the start
    assert graph.feed_rows(post) == set(followers)
    rows = db.fetch_all("SELECT user_id, count(*) AS n FROM home_feed_entries"
                        " WHERE post_id = %s GROUP BY user_id", (post,))
    assert {row["n"] for row in rows} == {1}
