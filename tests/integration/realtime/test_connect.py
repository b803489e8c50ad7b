"""`$connect` and `$disconnect` as the gateway invokes them, on the real Redis and Postgres."""

from __future__ import annotations

import pytest

from plaza.realtime import registry
from tests.support.lambdas import FakeContext, load_event, load_function

pytestmark = pytest.mark.usefixtures("clean_stores")


def test_connect_registers_and_disconnect_forgets_the_connection() -> None:
    event = load_event("realtime/connect.json")
    user_id = event["requestContext"]["authorizer"]["user_id"]
    connection_id = event["requestContext"]["connectionId"]

    answer = load_function("functions/realtime/connect.py").handler(event, FakeContext())

    assert answer == {"statusCode": 200}
    assert registry.connections_of(user_id) == [connection_id]
    load_function("functions/realtime/disconnect.py").handler(
        load_event("realtime/disconnect.json"), FakeContext())
    assert not registry.is_online(user_id)


def test_connect_without_an_authorized_caller_is_refused() -> None:
    event = load_event("realtime/connect.json")
    del event["requestContext"]["authorizer"]

    answer = load_function("functions/realtime/connect.py").handler(event, FakeContext())

    assert answer == {"statusCode": 401}
    assert registry.connection(event["requestContext"]["connectionId"]) is None
