"""The feed functions invoked as Lambda would: the HTTP routes with the authorizer's caller
(200 pages, problem+json for bad input) and the fan-out tasks with the state machine's payloads."""

from __future__ import annotations

import json

import pytest

from plaza import errors
from tests.integration.feeds.conftest import Graph
from tests.support.lambdas import FakeContext, http_event, load_function


def _caller(user_id: str) -> dict[str, str]:
    return {"user_id": user_id, "role": "user", "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


@pytest.mark.parametrize("route", ["home", "explore"])
def test_a_feed_route_answers_a_page_and_422_problem_json_for_bad_input(graph: Graph,
                                                                        route: str) -> None:
    handler = load_function(f"functions/feeds/{route}.py").handler
    viewer = graph.user("viewer")
    path = f"/v1/feed/{route}"
    ok = handler(http_event("GET", path, query={"limit": "5"}, authorizer=_caller(viewer)),
                 FakeContext())
    assert ok["statusCode"] == 200
    assert json.loads(ok["body"]) == {"items": [], "next_cursor": None}
    for query in ({"limit": "0"}, {"limit": "lots"}, {"limit": "101"}):
        bad = handler(http_event("GET", path, query=query, authorizer=_caller(viewer)),
                      FakeContext())
        assert bad["statusCode"] == 422, query
        assert bad["headers"]["content-type"] == "application/problem+json"


def test_a_home_cursor_that_is_not_ours_is_a_422(graph: Graph) -> None:
    handler = load_function("functions/feeds/home.py").handler
    viewer = graph.user("viewer")
    bad = handler(http_event("GET", "/v1/feed/home", query={"cursor": "bm90LWEtY3Vyc29y"},
                             authorizer=_caller(viewer)), FakeContext())
    assert bad["statusCode"] == 422
    assert json.loads(bad["body"])["errors"][0]["field"] == "query.cursor"


def test_the_fanout_tasks_write_a_post_into_followers_feeds(graph: Graph) -> None:
    plan_task = load_function("functions/feeds/fanout_plan.py").handler
    batch_task = load_function("functions/feeds/fanout_batch.py").handler
    author = graph.user("author")
    followers = graph.followers(author, 3)
    post = graph.post(author)
    plan = plan_task({"post_id": post, "author_id": author}, FakeContext())
    assert plan["found"] and plan["author_id"] == author and plan["next"] is None
    written = [batch_task({"post_id": post, "batch": batch}, FakeContext())
               for batch in plan["batches"]]
    assert written == [{"written": 3}]
    assert graph.feed_rows(post) == set(followers)
    with pytest.raises(errors.Invalid):
        batch_task({"post_id": post, "batch": {"after": "not-a-cursor", "upto": None}},
                   FakeContext())
