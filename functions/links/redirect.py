"""GET /l/{code} (public): 302 to the link's target and its click to ClicksQueue; 404 for no such
link, 410 for a deleted or expired one (problem+json).

On the hot path: one Redis GET for a hot code and one SQS send (fail-open); no pydantic, no
ua-parser (the consumer parses the user agent), boto3 on the first click of a container only.
"""

from plaza.http import Request, Response, endpoint
from plaza.links import clicks, redirects


@endpoint
def handler(request: Request) -> Response:
    code = request.path_params.get("code", "")
    url = redirects.target(code)
    clicks.enqueue(clicks.click(code, ip=request.source_ip, referer=request.header("referer"),
                                user_agent=request.header("user-agent"),
                                country=request.header("cloudfront-viewer-country")))
    # Not cached by browsers or proxies: each visit must reach us to be counted.
    return Response(302, headers={"location": url, "cache-control": "private, no-store"})
