"""GET /health: liveness. Touches no store, so it answers even when they are down."""

from plaza.http import Request, endpoint


@endpoint
def handler(request: Request) -> dict[str, str]:
    return {"status": "ok"}
