"""The @connections client's own HTTP/1.1 exchange against a raw socket server that answers
with canned responses: chunked bodies, interim answers, a server closing the connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from plaza.stores.realtime import ConnectionGone, ManagementApi


class CannedServer:
    """Answers each request with the next canned response; closes after one marked so."""

    def __init__(self, answers: list[tuple[bytes, bool]]) -> None:
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
            with peer:
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
            peer.sendall(answer)
            if close:
                return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def api() -> Iterator[ManagementApi]:
    servers: list[CannedServer] = []
    apis: list[ManagementApi] = []

    def start(answers: list[tuple[bytes, bool]]) -> tuple[ManagementApi, CannedServer]:
        server = CannedServer(answers)
        servers.append(server)
        client = ManagementApi(f"http://127.0.0.1:{server.port}/dev", region="us-east-1",
                               credentials=Credentials("testing", "testing"))
        apis.append(client)
        return client, server

    yield start  # type: ignore[misc]
    for client in apis:
        client.close()
    for server in servers:
        server.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def test_chunked_and_interim_answers_are_read_whole_and_the_connection_is_kept(api) -> None:
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
    assert server.connections == 1
    last = server.requests[-1]
    assert last.startswith(b"POST /dev/@connections/L0SM9cOFvHcCIhw%3D HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 7\r\n" in last and last.endswith(b'\r\n\r\n{"n":1}')
    assert b"\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/" in last


def test_a_connection_the_server_closes_is_opened_again_for_the_next_post(api) -> None:
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


def test_posts_in_flight_at_once_report_gone_connections_and_retry_the_rest(api) -> None:
    gone = (b"HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException\r\n"
            b"Content-Length: 2\r\n\r\n{}", False)
    busy = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", False)
    # One connection at a time on this server: the answers come in the posts' order.
    client, server = api([(OK, False), gone, busy, (OK, True), (OK, False), (OK, False)])
    failures = client.post_to_connections(
        [("a", b"1"), ("gone=", b"2"), ("busy", b"3"), ("d", b"4")], parallel=1)

    assert [(connection_id, type(error)) for connection_id, error in failures] == [
        ("gone=", ConnectionGone)]
    # "busy" answered 503: posted again, after the others; the server closed after "d".
    assert [request.split(b" ", 2)[1] for request in server.requests] == [
        b"/dev/@connections/a", b"/dev/@connections/gone%3D", b"/dev/@connections/busy",
        b"/dev/@connections/d", b"/dev/@connections/busy"]


def test_a_kept_alive_connection_closed_between_broadcasts_is_replaced_at_once(api) -> None:
    client, server = api([(OK, False), (OK, False), (OK, False), (OK, False)])
    assert client.post_to_connections([("a", b"1"), ("b", b"2")], parallel=1) == []
    lent = client._idle[0]
    assert lent.sock is not None
    lent.sock.shutdown(socket.SHUT_RDWR)  # as an idle timeout on the server's side would

    assert client.post_to_connections([("c", b"3"), ("d", b"4")], parallel=1) == []
    assert server.connections == 2
    assert [request.split(b" ", 2)[1] for request in server.requests] == [
        b"/dev/@connections/a", b"/dev/@connections/b",
        b"/dev/@connections/c", b"/dev/@connections/d"]
