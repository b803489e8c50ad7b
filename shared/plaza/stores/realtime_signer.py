"""botocore's SigV4Auth for @connections requests, without the per-call work that is not the
signature: plaza.stores.realtime signs every post with it.

Per post, SigV4Auth as botocore drives it derives the signing key again (four HMACs that change
once a day), builds the headers to sign twice, prepares the whole AWSRequest to read its body,
parses the URL for the Host header and keeps the headers in an email Message. Here the key is
kept for the day, the headers to sign are built once per request, the body is the bytes given,
the Host header comes with the request and the request's headers are a dict: a third of the
cost. The canonical request, the string to sign and the signature are botocore's own code.
"""

from __future__ import annotations

from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

_HEADERS_TO_SIGN = "plaza_headers_to_sign"
_DERIVED_KEPT = 8  # two days' four derived keys


class _SignedRequest(AWSRequest):
    """An AWSRequest for SigV4Auth alone: its body is the bytes it was given (AWSRequest.body
    prepares the whole request, headers copied and length computed, to answer the signer), and
    its headers a plain dict. AWSRequest's HTTPHeaders is an email Message that checks and
    copies each header on every set, test and read; the signer only sets, tests, deletes and
    reads the few headers it adds, each in botocore's one spelling."""

    def __init__(self, method: str, url: str, data: bytes, host: str) -> None:
        super().__init__(method=method, url=url, data=data)
        self.headers: Any = {"Host": host}

    @property
    def body(self) -> Any:
        return self.data


class ConnectionsSigner(SigV4Auth):
    """SigV4Auth for one set of frozen credentials, one region and one endpoint."""

    def __init__(self, credentials: Any, service: str, region: str, url: str) -> None:
        super().__init__(credentials, service, region)
        # The Host value botocore signs for this endpoint (lower case, no default port).
        self.host: str = super().headers_to_sign(AWSRequest(method="POST", url=url))["host"]
        self._derived: dict[tuple[bytes, str], bytes] = {}

    def headers(self, method: str, url: str, data: bytes) -> list[str]:
        """The request's headers, signed: Host, X-Amz-Date, X-Amz-Security-Token (with a
        session token) and Authorization, each as a `Name: value` line."""
        request = _SignedRequest(method, url, data, self.host)
        self.add_auth(request)
        return [f"{name}: {value}" for name, value in request.headers.items()]

    def headers_to_sign(self, request: Any) -> Any:
        # add_auth asks twice per request (the canonical request, then the Authorization header).
        chosen = request.context.get(_HEADERS_TO_SIGN)
        if chosen is None:
            chosen = request.context[_HEADERS_TO_SIGN] = super().headers_to_sign(request)
        return chosen

    def _sign(self, key: bytes, msg: str, hex: bool = False) -> Any:  # noqa: A002 - botocore's name
        # SigV4Auth.signature derives the signing key from the secret, the day, the region and
        # the service (four HMACs, the same all day) before it signs: those four are remembered.
        if hex:
            return super()._sign(key, msg, hex=True)  # type: ignore[misc]  # stubs omit it
        derived = self._derived.get((key, msg))
        if derived is None:
            if len(self._derived) >= _DERIVED_KEPT:  # a new day: yesterday's keys go
                self._derived.clear()
            derived = self._derived[(key, msg)] = super()._sign(key, msg)  # type: ignore[misc]
        return derived
