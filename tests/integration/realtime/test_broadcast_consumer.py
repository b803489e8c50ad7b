"""The broadcast queue consumer as Lambda invokes it: unreadable messages fail alone."""

from __future__ import annotations

import json

import pytest

from tests.support.lambdas import FakeContext, load_event, load_function

pytestmark = pytest.mark.usefixtures("clean_stores")


def test_only_the_unreadable_message_is_reported_failed() -> None:
    consumer = load_function("functions/realtime/broadcast.py")
    event = load_event("realtime/broadcast.json")
    good = dict(event["Records"][0], messageId="good",
                body=json.dumps({"connection_ids": [], "payload": {"type": "announcement"}}))
    not_json = dict(event["Records"][0], messageId="not-json", body="{")
    wrong_shape = dict(event["Records"][0], messageId="wrong-shape",
                       body=json.dumps({"connection_ids": "abc", "payload": {}}))

    result = consumer.handler({"Records": [good, not_json, wrong_shape]}, FakeContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": "not-json"},
                                            {"itemIdentifier": "wrong-shape"}]}
