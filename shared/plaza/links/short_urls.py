"""Where short URLs point: LINKS_SHORT_URL_BASE (a short domain of its own, e.g.
https://plz.to), else the API's own scheme and domain from the request."""

from __future__ import annotations

from plaza.config import settings
from plaza.http import Request


def base(request: Request) -> str:
    configured = settings().links_short_url_base.rstrip("/")
    if configured:
        return configured
    domain = str(request.context.get("domainName") or request.header("host") or "localhost")
    scheme = (request.header("x-forwarded-proto") or "https").split(",")[0].strip()
    return f"{scheme if scheme in ('http', 'https') else 'https'}://{domain}"
