"""The lean @connections client sends the request boto3's apigatewaymanagementapi client sends.

boto3's own request is captured at botocore's `before-send` event (and answered there, so
nothing leaves the process); both are signed at the same frozen time with the same credentials.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.credentials import Credentials

from plaza.stores.realtime import ManagementApi

FROZEN = datetime.datetime(2026, 11, 23, 12, 0, 0)
# Headers botocore adds that are neither signed nor needed by API Gateway.
UNSIGNED = {"user-agent", "amz-sdk-invocation-id", "amz-sdk-request", "content-length"}


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b""


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    def frozen(remove_tzinfo: bool = True) -> datetime.datetime:
        return FROZEN if remove_tzinfo else FROZEN.replace(tzinfo=datetime.UTC)

    # With awscrt installed botocore signs with its CRT signer, which reads the clock elsewhere.
    targets = ["botocore.auth.get_current_datetime"]
    try:
        import botocore.crt.auth  # noqa: F401

        targets.append("botocore.crt.auth.get_current_datetime")
    except ImportError:
        pass
    patches = [mock.patch(target, frozen) for target in targets]
    patches.append(mock.patch("plaza.stores.realtime._clock",
                              lambda: FROZEN.replace(tzinfo=datetime.UTC).timestamp()))
    for patch in patches:
        patch.start()
    yield
    for patch in reversed(patches):
        patch.stop()


def boto3_request(endpoint: str, operation: str, token: str | None, **params: Any) -> Any:
    captured = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        captured.append(request)
        return AWSResponse(request.url, 200, {}, _EmptyBody())

    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint,
                          region_name="eu-west-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                          aws_session_token=token)
    client.meta.events.register("before-send", answer)
    getattr(client, operation)(**params)
    return captured[0]


def lean_request(endpoint: str, method: str, token: str | None, connection_id: str,
                 data: bytes) -> Any:
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    return ManagementApi(endpoint, region="eu-west-1", credentials=credentials) \
        .signed_request(method, connection_id, data)


def text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def signed_headers(request: Any) -> dict[str, str]:
    return {name.lower(): text(value)
            for name, value in request.headers.items() if name.lower() not in UNSIGNED}


def body_of(request: Any) -> bytes:
    return request.body or b""


@pytest.mark.parametrize("endpoint", [
    "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
    "http://127.0.0.1:3001/dev",
])
@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("connection_id", ["L0SM9cOFvHcCIhw=", "odd/id+with space="])
def test_post_is_signed_exactly_as_boto3_signs_it(endpoint: str, token: str | None,
                                                  connection_id: str) -> None:
    data = b'{"type":"pong","id":7}'
    expected = boto3_request(endpoint, "post_to_connection", token,
                             ConnectionId=connection_id, Data=data)
    actual = lean_request(endpoint, "POST", token, connection_id, data)

    assert actual.method == expected.method == "POST"
    assert actual.url == expected.url
    assert body_of(actual) == body_of(expected) == data
    assert signed_headers(actual) == signed_headers(expected)
    authorization = text(actual.headers["Authorization"])
    assert authorization == text(expected.headers["Authorization"])
    assert "Credential=AKIDEXAMPLE/20261123/eu-west-1/execute-api/aws4_request" in authorization


def test_delete_is_signed_exactly_as_boto3_signs_it() -> None:
    endpoint = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    expected = boto3_request(endpoint, "delete_connection", "session-token",
                             ConnectionId="L0SM9cOFvHcCIhw=")
    actual = lean_request(endpoint, "DELETE", "session-token", "L0SM9cOFvHcCIhw=", b"")

    assert (actual.method, actual.url) == (expected.method, expected.url)
    assert signed_headers(actual) == signed_headers(expected)
    assert text(actual.headers["Authorization"]) == text(expected.headers["Authorization"])


@pytest.mark.parametrize("cases", [[
    # (when, access key, secret key, token, method, path, body)
    (datetime.datetime(2026, 11, 23, 23, 59, 59), "AKID1", "secret1", None, "POST",
     "/prod/@connections/abc%3D", b'{"a":1}'),
    # The next day needs a new signing key; so does another secret key.
    (datetime.datetime(2026, 11, 24, 0, 0, 1), "AKID1", "secret1", None, "POST",
     "/prod/@connections/abc%3D", b'{"a":2}'),
    (datetime.datetime(2026, 11, 24, 0, 0, 2), "AKID2", "secret2", "tok  en", "DELETE",
     "/@connections/x%2By", b""),
    (datetime.datetime(2026, 11, 24, 0, 0, 3), "AKID1", "secret1", "t", "POST",
     "/prod/./@connections/../@connections//abc~d", b"\xff\x00"),
]])
def test_signer_keeps_signing_as_botocore_across_days_and_credentials(
        cases: list[tuple[Any, ...]]) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    from plaza.stores.realtime import SigV4Signer

    host = "abc.execute-api.eu-west-1.amazonaws.com"
    signer = SigV4Signer("eu-west-1")
    for when, access_key, secret_key, token, method, path, body in cases:
        credentials = Credentials(access_key, secret_key, token).get_frozen_credentials()
        expected = AWSRequest(method=method, url=f"https://{host}{path}", data=body,
                              headers={"User-Agent": "plaza-realtime"})
        with mock.patch("botocore.auth.get_current_datetime",
                        lambda remove_tzinfo=True, when=when: when):
            SigV4Auth(credentials, "execute-api", "eu-west-1").add_auth(expected)
        with mock.patch("plaza.stores.realtime._clock",
                        lambda when=when: when.replace(tzinfo=datetime.UTC).timestamp()):
            actual = signer.headers(method, path, host, body, credentials)

        assert actual["Authorization"] == expected.headers["Authorization"]
        assert actual["X-Amz-Date"] == expected.headers["X-Amz-Date"]
        assert actual.get("X-Amz-Security-Token") == expected.headers.get("X-Amz-Security-Token")
