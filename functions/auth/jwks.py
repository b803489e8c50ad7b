"""GET /.well-known/jwks.json: the public keys that verify access tokens (none for HS256)."""

from plaza.http import Request, Response, endpoint
from plaza.identity.tokens import verifying_keyset


@endpoint
def handler(request: Request) -> Response:
    # Short enough that a rotated-in key is picked up well before its first token could matter.
    return Response(body=verifying_keyset().jwks(), headers={"cache-control": "public, max-age=300"})
