"""The one boto3 client factory: a client per service and settings, configured as asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plaza.stores import aws


@pytest.fixture(autouse=True)
def region(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.reset()
    yield
    aws.reset()


def test_a_service_with_the_same_settings_is_one_client_per_container() -> None:
    assert aws.client("sqs") is aws.client("sqs")
    assert aws.client("sqs") is not aws.client("sns")


def test_other_timeouts_get_their_own_client_carrying_them() -> None:
    quick, patient = aws.client("ses"), aws.client("ses", connect_timeout=2, read_timeout=5,
                                                    attempts=4)
    assert quick is not patient
    assert (quick.meta.config.connect_timeout, quick.meta.config.read_timeout) == (1, 3)
    assert (patient.meta.config.connect_timeout, patient.meta.config.read_timeout) == (2, 5)
    # botocore counts attempts with the first try included once the client is built.
    assert quick.meta.config.retries["total_max_attempts"] == 3
    assert patient.meta.config.retries["total_max_attempts"] == 4


def test_reset_forgets_the_clients() -> None:
    first = aws.client("sqs")
    aws.reset()
    assert aws.client("sqs") is not first
