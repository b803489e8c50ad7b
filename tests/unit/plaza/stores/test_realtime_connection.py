"""The @connections client's HTTP exchange against a raw socket server that answers with canned
responses: chunked bodies, interim answers, errors, a server closing or never answering, an
answer too long to hold."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from plaza.stores.realtime import MAX_ANSWER_BYTES, ConnectionGone, ManagementApi

# An answer and whether the server closes the connection after it. NO_ANSWER: the request is
# read and then the server waits, saying nothing, until the client gives up.
Answer = tuple[bytes, bool]
NO_ANSWER = b""


class CannedServer:
    """Answers each request with the next canned response; closes after one marked so."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.answers:
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with peer, contextlib.suppress(OSError):  # the client may close first (a reset)
                self._answer(peer)

    def _answer(self, peer: socket.socket) -> None:
        buffer = b""
        while self.answers:
            while b"\r\n\r\n" not in buffer:
                chunk = peer.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(buffer) < length:
                buffer += peer.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            answer, close = self.answers.pop(0)
            if answer is NO_ANSWER:
                peer.recv(1)  # until the client, tired of waiting, closes its end
                return
            peer.sendall(answer)
            if close:
                return

    def close(self) -> None:
        self.listener.close()


Start = Callable[..., tuple[ManagementApi, CannedServer]]


@pytest.fixture
def api() -> Iterator[Start]:
    servers: list[CannedServer] = []
    apis: list[ManagementApi] = []

    def start(answers: list[Answer], **options: Any) -> tuple[ManagementApi, CannedServer]:
        server = CannedServer(answers)
        servers.append(server)
        client = ManagementApi(f"http://127.0.0.1:{server.port}/dev", region="us-east-1",
                               credentials=Credentials("testing", "testing"), **options)
        apis.append(client)
        return client, server

    yield start
    for client in apis:
        client.close()
    for server in servers:
        server.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
GONE = (b"HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException\r\n"
        b"Content-Length: 2\r\n\r\n{}", False)


def paths(server: CannedServer) -> list[bytes]:
    return [request.split(b" ", 2)[1] for request in server.requests]


def test_chunked_and_interim_answers_are_read_whole_and_the_connection_is_kept(
        api: Start) -> None:
    client, server = api([
        (b"HTTP/1.1 100 Continue\r\n\r\n"
         b"HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n"
         b"7\r\n{\"messa\r\n10;ext=1\r\nge\":\"Gone away\"}\r\n0\r\nTrailer: x\r\n\r\n", False),
        (b"HTTP/1.1 400 Bad Request\r\nX-Amzn-ErrorType: BadRequestException:http://x\r\n"
         b"Content-Length: 19\r\n\r\n{\"message\":\"nope\"}\n", False),
        (OK, False),
    ])
    with pytest.raises(ConnectionGone):
        client.post_to_connection("gone=", b"{}")
    with pytest.raises(ClientError) as refused:
        client.post_to_connection("odd", b"{}")
    client.post_to_connection("L0SM9cOFvHcCIhw=", b'{"n":1}')

    assert refused.value.response["Error"] == {"Code": "BadRequestException", "Message": "nope"}
    assert server.connections == 1 == client.connections_opened
    last = server.requests[-1]
    assert last.startswith(b"POST /dev/@connections/L0SM9cOFvHcCIhw%3D HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 7\r\n" in last and last.endswith(b'\r\n\r\n{"n":1}')
    assert b"\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/" in last


def test_a_connection_the_server_closes_is_opened_again_for_the_next_post(api: Start) -> None:
    client, server = api([
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", False),
        (OK, True),  # closed without saying so: the next post finds out and reconnects
        (OK, False),
    ])
    client.post_to_connection("a", b"1")
    client.delete_connection("a")
    client.post_to_connection("b", b"2")
    client.post_to_connection("c", b"3")

    assert server.connections == 3
    assert [request.split(b" ", 2)[:2] for request in server.requests] == [
        [b"POST", b"/dev/@connections/a"], [b"DELETE", b"/dev/@connections/a"],
        [b"POST", b"/dev/@connections/b"], [b"POST", b"/dev/@connections/c"]]


def test_posts_in_flight_report_gone_connections_and_retry_throttled_ones(api: Start) -> None:
    busy = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", False)
    # One lane: the answers come in the posts' order; the server closes after the retried one.
    client, server = api([(OK, False), GONE, busy, (OK, True), (OK, False)])
    failures = client.post_to_connections(
        [("a", b"1"), ("gone=", b"2"), ("busy", b"3"), ("d", b"4")], parallel=1)

    assert [(connection_id, type(error)) for connection_id, error in failures] == [
        ("gone=", ConnectionGone)]
    assert paths(server) == [b"/dev/@connections/a", b"/dev/@connections/gone%3D",
                             b"/dev/@connections/busy", b"/dev/@connections/busy",
                             b"/dev/@connections/d"]


def test_a_post_lost_with_a_kept_alive_connection_is_sent_again_on_a_new_one(
        api: Start) -> None:
    # The server reads the second request and closes without answering, as one whose idle
    # timeout struck just as the request arrived.
    client, server = api([(OK, False), (NO_ANSWER, True), (OK, False), (OK, False)],
                         connect_timeout=0.2, read_timeout=0.5)
    assert client.post_to_connections([("a", b"1"), ("b", b"2")], parallel=1) == []
    assert client.post_to_connections([("c", b"3")], parallel=1) == []

    assert server.connections == 2
    assert paths(server) == [b"/dev/@connections/a", b"/dev/@connections/b",
                             b"/dev/@connections/b", b"/dev/@connections/c"]


def test_an_answer_longer_than_the_bound_is_cut_and_its_connection_dropped(
        api: Start) -> None:
    huge = b"x" * (64 * MAX_ANSWER_BYTES)
    client, server = api([
        # Claims ten times more than it sends: reading it whole would wait for the rest.
        (b"HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: BadRequestException\r\n"
         b"Content-Length: %d\r\n\r\n%s" % (10 * len(huge), huge), False),
        (OK, False),
    ])
    with pytest.raises(ClientError) as refused:
        client.post_to_connection("a", b"1")
    client.post_to_connection("b", b"2")

    assert refused.value.response["Error"] == {
        "Code": "BadRequestException", "Message": "x" * MAX_ANSWER_BYTES}
    assert server.connections == 2  # the unread rest made the first connection unusable


def test_a_server_that_never_answers_fails_the_post_after_every_attempt(api: Start) -> None:
    client, server = api([(NO_ANSWER, True)] * 3, connect_timeout=0.2, read_timeout=0.2)
    with pytest.raises(ReadTimeoutError):
        client.post_to_connection("a", b"1")

    assert paths(server) == [b"/dev/@connections/a"] * 3


def test_an_endpoint_nobody_listens_on_is_a_connection_error_for_each_post() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]  # closed on leaving: connecting is refused
    client = ManagementApi(f"http://127.0.0.1:{port}/dev", region="us-east-1",
                           credentials=Credentials("testing", "testing"))
    try:
        with pytest.raises(EndpointConnectionError):
            client.post_to_connection("a", b"1")
        failures = client.post_to_connections([("a", b"1"), ("b", b"2")], parallel=2)
    finally:
        client.close()
    assert sorted((connection_id, type(error)) for connection_id, error in failures) == [
        ("a", EndpointConnectionError), ("b", EndpointConnectionError)]


class _TogetherGateway(BaseHTTPRequestHandler):
    """Answers a post only once `barrier.parties` posts are waiting for an answer at once."""

    protocol_version = "HTTP/1.1"
    barrier = threading.Barrier(1)
    answered: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        try:
            self.barrier.wait(timeout=30)  # posts sent one at a time never get past this
            status = 200
        except threading.BrokenBarrierError:
            status = 500
        _TogetherGateway.answered.append(self.path)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_parallel_posts_are_in_flight_at_once_each_lane_on_its_kept_alive_connection() -> None:
    _TogetherGateway.barrier, _TogetherGateway.answered = threading.Barrier(4), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TogetherGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = ManagementApi(f"http://127.0.0.1:{server.server_address[1]}/dev",
                           region="us-east-1", credentials=Credentials("testing", "testing"))
    try:
        failures = client.post_to_connections([(f"c{n}", b"{}") for n in range(12)],
                                              parallel=4)
        opened = client.connections_opened
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert failures == []
    assert sorted(_TogetherGateway.answered) == sorted(f"/dev/@connections/c{n}"
                                                       for n in range(12))
    assert opened == 4
