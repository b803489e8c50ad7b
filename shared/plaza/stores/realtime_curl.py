"""One @connections request at a time over a kept-alive connection, through libcurl (pycurl).

libcurl writes the request and parses the answer (interim answers, chunked bodies, a connection
the server closed) in C: urllib3 and http.client cost 3-8x the old hand-written client's whole
post in their own Python per request, libcurl about a third of it. It also sends a request
lost with a kept-alive connection (one the server closed while it sat idle) again on a new one,
at once, and verifies the server's certificate and host name.
"""

from __future__ import annotations

from typing import Literal

import pycurl

# libcurl's defaults a signed @connections request must not carry: a form content type for
# the body, Accept: */*, and Expect: 100-continue (a round trip more) for a large body.
_UNWANTED_HEADERS = ["Content-Type:", "Accept:", "Expect:"]
_STATUS_LINE = b"HTTP/"
_ERROR_TYPE = b"x-amzn-errortype:"


class ExchangeFailed(Exception):
    """No answer: libcurl's error, and which wait ran out when it was a timeout."""

    def __init__(self, error: pycurl.error, timed_out: Literal["connect", "read"] | None) -> None:
        super().__init__(*error.args)
        self.error = error
        self.timed_out = timed_out


class Exchange:
    """A libcurl handle and its kept-alive connection; one request at a time, one thread at a
    time. Answers are read up to `max_answer_bytes`; a longer one is cut there and its
    connection closed (the rest stays unread)."""

    def __init__(self, *, user_agent: str, connect_timeout: float, read_timeout: float,
                 max_answer_bytes: int, ca_certs: str | None) -> None:
        curl = pycurl.Curl()
        curl.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM: called from any thread
        curl.setopt(pycurl.USERAGENT, user_agent)
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        curl.setopt(pycurl.TCP_NODELAY, 1)
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, round(connect_timeout * 1000))
        # libcurl bounds a whole exchange, not each read: the connect and then the answer.
        curl.setopt(pycurl.TIMEOUT_MS, round((connect_timeout + read_timeout) * 1000))
        # The certificate must chain to a trusted CA and name the host (an IP address too).
        curl.setopt(pycurl.SSL_VERIFYPEER, 1)
        curl.setopt(pycurl.SSL_VERIFYHOST, 2)
        if ca_certs is not None:
            curl.setopt(pycurl.CAINFO, ca_certs)
        curl.setopt(pycurl.HEADERFUNCTION, self._header)
        curl.setopt(pycurl.WRITEFUNCTION, self._write)
        self._curl = curl
        self._method = "POST"
        self._limit = max_answer_bytes
        self._error_type: bytes | None = None
        self._body = bytearray()
        self._cut = False
        self.connections_opened = 0

    def send(self, method: str, url: str, headers: list[str],
             data: bytes) -> tuple[int, str | None, bytes]:
        """Status, x-amzn-errortype and at most max_answer_bytes of the body; ExchangeFailed
        when no answer came."""
        curl = self._curl
        if method != self._method:
            if method == "POST":
                curl.unsetopt(pycurl.CUSTOMREQUEST)
            else:
                curl.setopt(pycurl.HTTPGET, 1)  # no body from the last POST
                curl.setopt(pycurl.CUSTOMREQUEST, method)
            self._method = method
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.HTTPHEADER, headers + _UNWANTED_HEADERS)
        if method == "POST":
            curl.setopt(pycurl.POSTFIELDS, data)
        self._error_type = None
        self._body.clear()
        self._cut = False
        try:
            curl.perform()
        except pycurl.error as error:
            if not (self._cut and error.args[0] == pycurl.E_WRITE_ERROR):
                raise ExchangeFailed(error, self._timed_out(error)) from None
        finally:
            self.connections_opened += curl.getinfo(pycurl.NUM_CONNECTS)
        error_type = self._error_type
        return (curl.getinfo(pycurl.RESPONSE_CODE),
                error_type.decode("latin-1") if error_type is not None else None,
                bytes(self._body))

    def _timed_out(self, error: pycurl.error) -> Literal["connect", "read"] | None:
        if error.args[0] != pycurl.E_OPERATION_TIMEDOUT:
            return None
        return "read" if self._curl.getinfo(pycurl.REQUEST_SIZE) else "connect"

    def _header(self, line: bytes) -> None:
        if line.startswith(_STATUS_LINE):  # an interim answer's headers are not the answer's
            self._error_type = None
        elif line[:len(_ERROR_TYPE)].lower() == _ERROR_TYPE:
            self._error_type = line[len(_ERROR_TYPE):].strip()

    def _write(self, chunk: bytes) -> int | None:
        room = self._limit - len(self._body)
        if len(chunk) <= room:
            self._body += chunk
            return None  # all of it taken
        self._body += chunk[:room]
        self._cut = True
        return 0  # libcurl stops reading and closes the connection

    def close(self) -> None:
        self._curl.close()
