"""Restarts the post fan-outs that did not complete: the rules of the scheduled reconciler.

A fan-out stops for good when an outage outlasts the state machine's retries (about five
minutes), and never starts when the create-post function cannot reach Step Functions. Either way
the post is left without a completion time (the machine's last step writes it), so the
reconciler looks for those posts, leaves alone the ones whose newest execution still runs
(retrying), and starts the others again as post-<id>-r<n>. Running a fan-out twice is safe: a
batch writes each feed row once (ON CONFLICT DO NOTHING) and mentions are stored once per post.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any, TypedDict

from plaza import observability
from plaza.config import settings
from plaza.feeds import repo
from plaza.feeds.fanout import execution_name
from plaza.stores import aws

# Older unfinished fan-outs are left alone: a post a day of restarts could not fan out needs a
# person, not one more execution a minute.
HORIZON = dt.timedelta(days=1)
# Restarts one run makes; the schedule comes back for the rest a minute later.
MAX_PER_RUN = 100


class Reconciled(TypedDict):
    """What one run found: unfinished fan-outs, of them still running, and restarted."""

    unfinished: int
    running: int
    restarted: int


def reconcile_fanouts(limit: int = MAX_PER_RUN) -> Reconciled:
    """Start again every unfinished fan-out, older than FANOUT_RECONCILE_AFTER_S, that no
    execution is working on; at most `limit` per run, oldest first."""
    result: Reconciled = {"unfinished": 0, "running": 0, "restarted": 0}
    machine = os.environ.get("POST_FANOUT_STATE_MACHINE_ARN")
    if not machine:
        observability.log_info("fan-out reconcile skipped: POST_FANOUT_STATE_MACHINE_ARN is not set")
        return result
    older_than = dt.timedelta(seconds=settings().fanout_reconcile_after_s)
    unfinished = repo.unfinished_fanouts(older_than, HORIZON, limit)
    result["unfinished"] = len(unfinished)
    stepfunctions = aws.client("stepfunctions")
    for post in unfinished:
        newest = execution_name(post["post_id"], post["restarts"])
        if _status(stepfunctions, machine, newest) == "RUNNING":
            result["running"] += 1
            continue
        # Claimed before the start: of two reconcilers, one starts it. A start that fails after
        # the claim leaves an execution that does not exist, which the next run restarts.
        restart = repo.claim_fanout_restart(post["post_id"], post["restarts"])
        if restart is None:
            continue
        name = execution_name(post["post_id"], restart)
        stepfunctions.start_execution(
            stateMachineArn=machine, name=name,
            input=json.dumps({"post_id": post["post_id"], "author_id": post["author_id"]}))
        observability.log_warning("fan-out restarted", post_id=post["post_id"], execution=name)
        result["restarted"] += 1
    observability.count("FanoutUnfinished", result["unfinished"])
    observability.count("FanoutRestarted", result["restarted"])
    return result


def _status(stepfunctions: Any, machine: str, name: str) -> str | None:
    """The execution's status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), None if none."""
    # An execution's ARN is its machine's, with `execution` for `stateMachine` and its name added.
    arn = machine.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    try:
        return str(stepfunctions.describe_execution(executionArn=arn)["status"])
    except stepfunctions.exceptions.ExecutionDoesNotExist:
        return None
