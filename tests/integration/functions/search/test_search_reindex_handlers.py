"""The reindex machine's tasks, the drift check and the settings custom resource, invoked as
Lambda would, against Postgres and the Meilisearch fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plaza import errors
from plaza.search import index_settings
from tests.integration.functions.ops.test_migrate import CloudFormationResponses
from tests.integration.search.conftest import MakePost, MakeUser
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.lambdas import FakeContext, load_event, load_function
from tests.support.search_backend import meilisearch_in_use


def _handler(name: str) -> Any:
    return load_function(f"functions/search/{name}.py").handler


@pytest.fixture
def meili(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    with meilisearch_in_use(monkeypatch) as fake:
        yield fake


@pytest.fixture
def cloudformation() -> Iterator[CloudFormationResponses]:
    responses = CloudFormationResponses()
    yield responses
    responses.close()


def test_the_machine_tasks_plan_write_and_check(meili: FakeMeilisearch, make_user: MakeUser,
                                                make_post: MakePost) -> None:
    ann = make_user("ann")
    post = make_post(ann, "indexed by the machine #tasks")
    planned = _handler("reindex_plan")({}, FakeContext())
    assert planned == {"pages": [{"index": "users", "after": None, "until": None},
                                 {"index": "posts", "after": None, "until": None},
                                 {"index": "hashtags", "after": None, "until": None}],
                       "next": None}
    written = [_handler("reindex_page")(page, FakeContext()) for page in planned["pages"]]
    assert [(w["index"], w["upserted"], w["deleted"]) for w in written] == [
        ("users", 1, 0), ("posts", 1, 0), ("hashtags", 1, 0)]
    assert post in meili.indexes["posts"]["documents"]
    report = _handler("drift_check")({}, FakeContext())
    assert {index: counts["drift"] for index, counts in report["indexes"].items()} == {
        "users": 0, "posts": 0, "hashtags": 0}
    with pytest.raises(errors.Invalid):
        _handler("reindex_plan")({"next": {"index": "places"}}, FakeContext())


def test_the_settings_custom_resource_applies_them_and_answers_cloudformation(
        meili: FakeMeilisearch, cloudformation: CloudFormationResponses) -> None:
    event = {**load_event("search/apply_settings.json"), "ResponseURL": cloudformation.url}
    assert _handler("apply_settings")(event, FakeContext()) == {
        "applied": ["users", "posts", "hashtags"]}
    assert cloudformation.received[-1]["Status"] == "SUCCESS"
    assert meili.indexes["posts"]["settings"]["searchableAttributes"] == [
        "text", "hashtags", "author_username"]
    assert _handler("apply_settings")({**event, "RequestType": "Delete"}, FakeContext()) == {
        "applied": []}
    assert cloudformation.received[-1]["Status"] == "SUCCESS"
    meili.stop()
    index_settings.forget_applied()
    assert "error" in _handler("apply_settings")(event, FakeContext())
    assert cloudformation.received[-1]["Status"] == "FAILED"
