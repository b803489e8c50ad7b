"""Lambda REQUEST authorizer for the HTTP API (simple responses) and WebSocket `$connect`."""

from typing import Any

from plaza import config
from plaza.identity import gateway, tokens

# A missing JWT_PUBLIC_KEYS is one log line at start; every request is then denied (and logged).
config.check_at_init(tokens.require_verifying_keys)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return gateway.authorize(event)
