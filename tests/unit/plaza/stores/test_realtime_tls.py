"""The @connections client over TLS, as it talks to execute-api on AWS: a local HTTPS server
with a certificate made for the test, one request at a time and many in flight."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pycurl
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import EndpointConnectionError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from plaza.stores.realtime import ConnectionGone, ManagementApi


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Gateway(BaseHTTPRequestHandler):
    """@connections: ids starting with `gone` are closed connections (410)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway
    received: list[tuple[str, bytes, str]] = []
    peers: set[tuple[str, int]] = set()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.path, body, self.headers["Authorization"]))
        _Gateway.peers.add(self.client_address)
        gone = self.path.rsplit("/", 1)[-1].startswith("gone")
        answer = b'{"message":null}' if gone else b""
        self.send_response(410 if gone else 200)
        if gone:
            self.send_header("x-amzn-ErrorType", "GoneException")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The HTTPS gateway's port and the certificate it presents (for `localhost` only)."""
    cert, key = _certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Gateway.received, _Gateway.peers = [], set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], cert
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def https_api(gateway: tuple[int, Path]) -> Iterator[ManagementApi]:
    port, cert = gateway
    # The only difference from AWS: trust the test's certificate instead of the system's CAs.
    api = ManagementApi(f"https://localhost:{port}/prod", "eu-west-1",
                        Credentials("AKIDEXAMPLE", "secret"), ca_certs=str(cert))
    try:
        yield api
    finally:
        api.close()


def test_one_post_goes_over_tls_signed_and_a_closed_connection_is_gone(
        https_api: ManagementApi) -> None:
    https_api.post_to_connection("abc=", b'{"type":"hello"}')
    with pytest.raises(ConnectionGone):
        https_api.post_to_connection("gone-1", b"{}")
    path, body, authorization = _Gateway.received[0]
    assert (path, body) == ("/prod/@connections/abc%3D", b'{"type":"hello"}')
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert len(_Gateway.peers) == 1  # the second post reused the kept-alive TLS connection
    assert https_api.connections_opened == 1


@pytest.mark.parametrize("host, trusted", [
    ("127.0.0.1", True),  # the certificate is for localhost, not for this name
    ("localhost", False),  # a certificate no trusted CA issued
])
def test_a_certificate_not_for_the_host_or_not_trusted_is_refused_before_any_request(
        gateway: tuple[int, Path], host: str, trusted: bool) -> None:
    port, cert = gateway
    api = ManagementApi(f"https://{host}:{port}/prod", "eu-west-1",
                        Credentials("AKIDEXAMPLE", "secret"),
                        ca_certs=str(cert) if trusted else None)
    try:
        with pytest.raises(EndpointConnectionError) as refused:
            api.post_to_connection("abc=", b"{}")
    finally:
        api.close()
    # libcurl refused the certificate (not the connection, not a timeout).
    assert refused.value.kwargs["error"].args[0] == pycurl.E_PEER_FAILED_VERIFICATION
    assert _Gateway.received == []


def test_many_posts_in_flight_over_tls_all_arrive_and_only_the_closed_ones_fail(
        https_api: ManagementApi) -> None:
    posts = [(f"gone-{n}" if n % 10 == 0 else f"live-{n}", f'{{"n":{n}}}'.encode())
             for n in range(60)]
    failures = https_api.post_to_connections(posts, parallel=8)
    assert sorted(connection_id for connection_id, _ in failures) == sorted(
        f"gone-{n}" for n in range(0, 60, 10))
    assert all(isinstance(error, ConnectionGone) for _, error in failures)
    assert sorted(body for _, body, _ in _Gateway.received) == sorted(data for _, data in posts)
    assert len(_Gateway.peers) <= 8
    again = https_api.post_to_connections(posts[1:9], parallel=8)  # kept-alive connections
    assert again == [] and len(_Gateway.peers) <= 8
