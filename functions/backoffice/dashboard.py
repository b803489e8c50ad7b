"""GET /v1/admin: the back office dashboard, one HTML page with no data in it.

A browser opening the page sends no token, so the route is public (no authorizer); the page asks
an admin or moderator to sign in and then calls the admin API with their token, where every
route checks the role. Its scripts and the vendored chart library come from /v1/admin/assets.
"""

from pathlib import Path

from plaza.http import Request, Response, endpoint

PAGE = Path(__file__).resolve().parent / "static" / "dashboard.html"
# Scripts and styles from this API only; the page talks to no one else.
HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
_html: str | None = None


@endpoint
def handler(request: Request) -> Response:
    global _html
    if _html is None:
        _html = PAGE.read_text()
    return Response(body=_html, headers=dict(HEADERS))
