"""The pure parts of the local event sources: schedule expressions and SQS partial failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from localcloud.event_sources import ScheduleError, failed_item_ids, next_run, s3_record

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("expression", "expected"), [
    ("rate(5 minutes)", datetime(2026, 11, 23, 12, 5, 30, tzinfo=UTC)),
    ("rate(1 hour)", datetime(2026, 11, 23, 13, 0, 30, tzinfo=UTC)),
    ("cron(0 3 * * ? *)", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
    ("cron(15,45 * * * ? *)", datetime(2026, 11, 23, 12, 15, tzinfo=UTC)),
    ("cron(0/20 12 * * ? *)", datetime(2026, 11, 23, 12, 20, tzinfo=UTC)),
    ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ("cron(0 9 ? * SAT *)", datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
    ("cron(0 0 L * ? *)", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
    ("cron(0 8 ? * 2#1 *)", datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
    ("cron(0 0 1 JAN ? 2027)", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
])
def test_next_run_follows_eventbridge_rate_and_cron(expression: str, expected: datetime) -> None:
    assert next_run(expression, MONDAY_NOON) == expected


@pytest.mark.parametrize("expression", [
    "rate(0 minutes)", "rate(5 fortnights)", "cron(0 3 * * * *)", "cron(0 3 * *)",
    "cron(61 * * * ? *)", "every day",
])
def test_invalid_schedule_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        next_run(expression, MONDAY_NOON)


IDS = ["a", "b", "c"]


@pytest.mark.parametrize(("response", "failed"), [
    (None, set()),
    ({}, set()),
    ({"batchItemFailures": []}, set()),
    ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
    ({"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "c"}]}, {"a", "c"}),
    # As Lambda does: an answer it cannot read fails the whole batch.
    ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, set(IDS)),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
    ({"batchItemFailures": "b"}, set(IDS)),
    ("not a dict", set(IDS)),
])
def test_partial_batch_response_names_the_messages_to_keep(response: object,
                                                           failed: set[str]) -> None:
    assert failed_item_ids(response, IDS) == failed


def test_s3_record_keeps_slashes_of_the_key_and_form_encodes_the_rest() -> None:
    record = s3_record({"eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": "b"},
                               "object": {"key": "incoming%2Fmy+photo%282%29.jpg", "size": 1}}})
    assert record["s3"]["object"]["key"] == "incoming/my+photo%282%29.jpg"
    assert record["s3"]["object"]["sequencer"]
    assert record["responseElements"]["x-amz-request-id"]
