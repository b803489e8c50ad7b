"""A route that answers one static HTML page under a strict Content-Security-Policy: scripts,
styles and calls from this API only (the back office's dashboard and docs pages)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from plaza.http import Request, Response, endpoint

HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def handler_for(page: Path) -> Callable[..., Any]:
    """The Lambda handler serving `page`, read once per container on its first request."""
    html: list[str] = []

    @endpoint
    def handler(request: Request) -> Response:
        if not html:
            html.append(page.read_text())
        return Response(body=html[0], headers=dict(HEADERS))

    return handler
