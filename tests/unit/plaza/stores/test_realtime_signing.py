"""The @connections client's requests carry a SigV4 signature API Gateway accepts.

A local gateway checks each request's signature as API Gateway does (the headers the request
says it signed, recomputed with the caller's secret) and refuses a wrong one with 403; the
requests are also compared with the ones boto3's apigatewaymanagementapi client sends.
"""

from __future__ import annotations

import contextlib
import datetime
import hmac
import importlib.util
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import ClientError

from plaza.stores.realtime import ConnectionGone, ManagementApi

SECRETS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AKIDNEXT": "next-secret"}


def signature_is_valid(method: str, path: str, headers: Any, body: bytes) -> bool:
    """API Gateway's check: sign what the request says it signed, with the caller's secret."""
    scheme, _, fields_text = headers["Authorization"].partition(" ")
    fields = dict(field.strip().split("=", 1) for field in fields_text.split(","))
    access_key, _, region, service, _ = fields["Credential"].split("/")
    if scheme != "AWS4-HMAC-SHA256" or access_key not in SECRETS:
        return False
    signed = fields["SignedHeaders"].split(";")
    request = AWSRequest(method=method, url=f"http://{headers['Host']}{path}", data=body,
                         headers={name: headers[name] for name in signed if name in headers})
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(access_key, SECRETS[access_key],
                                   headers.get("X-Amz-Security-Token")), service, region)
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request)
    return (signer.signed_headers(signer.headers_to_sign(request)) == fields["SignedHeaders"]
            and hmac.compare_digest(expected, fields["Signature"]))


class _CheckingGateway(BaseHTTPRequestHandler):
    """@connections that checks signatures; ids starting with `gone` are closed (410)."""

    protocol_version = "HTTP/1.1"
    received: list[dict[str, Any]] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        valid = signature_is_valid(self.command, self.path, self.headers, body)
        _CheckingGateway.received.append({"method": self.command, "path": self.path,
                                          "body": body, "valid": valid,
                                          "headers": dict(self.headers.items())})
        if not valid:
            self._send(403, b'{"message":"signature mismatch"}', "InvalidSignatureException")
        elif self.path.rsplit("/", 1)[-1].startswith("gone"):
            self._send(410, b'{"message":null}', "GoneException")
        else:
            self._send(200 if self.command == "POST" else 204, b"")

    do_POST = do_DELETE = _answer  # noqa: N815 - http.server's naming

    def _send(self, status: int, body: bytes, error_type: str | None = None) -> None:
        self.send_response(status)
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CheckingGateway)
    _CheckingGateway.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dev"
    finally:
        server.shutdown()
        server.server_close()


def client(endpoint: str, secret: str = SECRETS["AKIDEXAMPLE"],
           token: str | None = None) -> ManagementApi:
    return ManagementApi(endpoint, region="eu-west-1",
                         credentials=Credentials("AKIDEXAMPLE", secret, token))


@pytest.mark.parametrize("token", [None, "session-token"])
def test_the_gateway_accepts_posts_and_deletes_and_refuses_a_wrong_secret(
        endpoint: str, token: str | None) -> None:
    api = client(endpoint, token=token)
    try:
        api.post_to_connection("L0SM9cOFvHcCIhw=", b'{"type":"pong"}')
        api.post_to_connection("odd/id+with space=", b"\xff\x00")
        api.delete_connection("L0SM9cOFvHcCIhw=")
        failures = api.post_to_connections(
            [(f"live-{n}", b"{}") for n in range(20)] + [("gone-1", b"{}")], parallel=4)
    finally:
        api.close()
    assert [(connection_id, type(error)) for connection_id, error in failures] == [
        ("gone-1", ConnectionGone)]
    assert len(_CheckingGateway.received) == 24
    assert all(request["valid"] for request in _CheckingGateway.received)
    assert _CheckingGateway.received[1]["path"] == "/dev/@connections/odd%2Fid%2Bwith%20space%3D"

    wrong = client(endpoint, secret="not-the-secret", token=token)
    try:
        with pytest.raises(ClientError) as refused:
            wrong.post_to_connection("L0SM9cOFvHcCIhw=", b"{}")
    finally:
        wrong.close()
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    frozen = datetime.datetime(2026, 11, 23, 12, 0, 0)

    def now(remove_tzinfo: bool = True) -> datetime.datetime:
        return frozen if remove_tzinfo else frozen.replace(tzinfo=datetime.UTC)

    # With awscrt installed boto3 signs with botocore's CRT signer, which reads the clock there.
    targets = ["botocore.auth.get_current_datetime"]
    if importlib.util.find_spec("awscrt") is not None:
        targets.append("botocore.crt.auth.get_current_datetime")
    with contextlib.ExitStack() as patches:
        for target in targets:
            patches.enter_context(mock.patch(target, now))
        yield


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("connection_id", ["L0SM9cOFvHcCIhw=", "odd/id+with space="])
def test_a_post_is_signed_as_boto3_signs_it(endpoint: str, token: str | None,
                                            connection_id: str) -> None:
    data = b'{"type":"pong","id":7}'
    boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name="eu-west-1",
                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SECRETS["AKIDEXAMPLE"],
                 aws_session_token=token, config=Config(retries={"max_attempts": 1})
                 ).post_to_connection(ConnectionId=connection_id, Data=data)
    api = client(endpoint, token=token)
    try:
        api.post_to_connection(connection_id, data)
    finally:
        api.close()

    expected, actual = _CheckingGateway.received
    assert (actual["method"], actual["path"], actual["body"]) == (
        expected["method"], expected["path"], expected["body"])
    assert actual["headers"]["Authorization"] == expected["headers"]["Authorization"]
    assert actual["headers"]["X-Amz-Date"] == expected["headers"]["X-Amz-Date"]
    assert actual["headers"].get("X-Amz-Security-Token") == token
    assert "Credential=AKIDEXAMPLE/20261123/eu-west-1/execute-api/aws4_request" in \
        actual["headers"]["Authorization"]


def test_refreshed_credentials_sign_the_posts_after_the_refresh(endpoint: str) -> None:
    now = [datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)]
    expiry = now[0] + datetime.timedelta(hours=1)

    def refreshed() -> dict[str, str]:
        return {"access_key": "AKIDNEXT", "secret_key": SECRETS["AKIDNEXT"], "token": "t2",
                "expiry_time": (now[0] + datetime.timedelta(hours=1)).isoformat()}

    credentials = RefreshableCredentials("AKIDEXAMPLE", SECRETS["AKIDEXAMPLE"], "t1", expiry,
                                         refreshed, "test", time_fetcher=lambda: now[0])
    api = ManagementApi(endpoint, region="eu-west-1", credentials=credentials)
    try:
        api.post_to_connection("a", b"1")
        now[0] += datetime.timedelta(minutes=59)  # within botocore's refresh window
        api.post_to_connection("b", b"2")
    finally:
        api.close()
    assert [(request["headers"]["Authorization"].split("/", 1)[0], request["valid"])
            for request in _CheckingGateway.received] == [
        ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE", True),
        ("AWS4-HMAC-SHA256 Credential=AKIDNEXT", True)]


def test_credentials_and_region_come_from_botocore_once_per_client(
        endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRETS["AKIDEXAMPLE"])
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    api = ManagementApi(endpoint)
    try:
        api.post_to_connection("a", b"1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDNEXT")  # read once: not seen
        api.post_to_connection("b", b"2")
    finally:
        api.close()
    authorizations = [request["headers"]["Authorization"]
                      for request in _CheckingGateway.received]
    assert all("Credential=AKIDEXAMPLE/" in value and "/ap-south-1/execute-api/" in value
               for value in authorizations), authorizations
    assert all(request["valid"] for request in _CheckingGateway.received)
