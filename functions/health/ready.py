"""GET /health/ready: 200 when Postgres, Redis and search answer; 503 naming what failed."""

from plaza.health import readiness
from plaza.http import Request, endpoint


@endpoint
def handler(request: Request) -> dict[str, object]:
    return readiness()
