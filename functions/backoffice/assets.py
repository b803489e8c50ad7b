"""GET /v1/admin/assets/{name}: the back office pages' scripts and styles, and the libraries
vendored beside them (uPlot, swagger-ui-dist; licences in static/vendor), never a CDN's.

Only the files named below are served: a name is a key, never a path.
"""

from pathlib import Path

from plaza import errors
from plaza.http import Request, Response, endpoint

STATIC = Path(__file__).resolve().parent / "static"
JS, CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
FILES = {
    "dashboard.js": ("dashboard.js", JS),
    "dashboard.css": ("dashboard.css", CSS),
    "docs.js": ("docs.js", JS),
    "uPlot.iife.min.js": ("vendor/uplot/uPlot.iife.min.js", JS),
    "uPlot.min.css": ("vendor/uplot/uPlot.min.css", CSS),
    "swagger-ui-bundle.js": ("vendor/swagger-ui/swagger-ui-bundle.js", JS),
    "swagger-ui.css": ("vendor/swagger-ui/swagger-ui.css", CSS),
}
_read: dict[str, str] = {}


@endpoint
def handler(request: Request) -> Response:
    name = request.path_params.get("name", "")
    if name not in FILES:
        raise errors.NotFound(f"No asset named {name!r}")
    path, content_type = FILES[name]
    if name not in _read:
        _read[name] = (STATIC / path).read_text()
    # The vendored libraries change only with a deploy; an hour of caching spares the 1.8 MB
    # Swagger bundle on every visit while a new deploy still shows within the hour.
    return Response(body=_read[name], headers={
        "content-type": content_type, "cache-control": "public, max-age=3600",
        "x-content-type-options": "nosniff"})
