"""Starting a post's fan-out runs after the post committed: a stalled Step Functions costs the
create one short try, never a retry and never an error answer (the reconciler starts it later)."""

from __future__ import annotations

import pytest

from plaza.posts import service
from tests.integration.posts.conftest import MakeUser
from tests.support.lambdas import FakeContext, http_event, json_of, load_function
from tests.support.silent_server import stalled_aws

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:post-fanout"


def test_a_stalled_step_functions_is_tried_once_per_create_and_the_create_answers_201(
        make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POST_FANOUT_STATE_MACHINE_ARN", MACHINE)
    monkeypatch.delenv("NOTIFICATIONS_QUEUE_URL", raising=False)
    ann = make_user("ann")
    caller = {"user_id": ann, "role": "user", "device_id": "device-0001",
              "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}
    create = load_function("functions/posts/create.py")

    with stalled_aws(monkeypatch) as stalled:
        answers = [create.handler(http_event("POST", "/v1/posts", body={"text": f"post {n}"},
                                             authorizer=caller), FakeContext())
                   for n in range(2)]
        # One connection per create: a retry after the timeout would have opened another.
        assert stalled.connections == 2

    assert [answer["statusCode"] for answer in answers] == [201, 201]
    for answer in answers:
        assert service.get_post(ann, json_of(answer)["id"]).author.id == ann
