"""GET /v1/admin/docs: Swagger UI for the admin API, served from vendored swagger-ui-dist.

The page itself holds no routes: it asks for an admin's token (or takes the one the dashboard
stored in this tab) and fetches /v1/admin/openapi.json with it, which answers admins only. Public
for the same reason as the dashboard: a browser's navigation carries no Authorization header.
"""

from pathlib import Path

from plaza.http import Request, Response, endpoint

PAGE = Path(__file__).resolve().parent / "static" / "docs.html"
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
