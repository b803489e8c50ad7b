"""Lambda REQUEST authorizer for the HTTP API (simple responses) and WebSocket `$connect`.

Each caller it vouches for is counted active (plaza.analytics.activity: one Redis round trip,
fail-open). The gateway caches an answer per token and device for a minute, so this runs about
once a minute per active device, not once per request: enough for distinct users per hour.
"""

from typing import Any

from plaza import config
from plaza.analytics import activity
from plaza.identity import gateway, tokens

# A missing JWT_PUBLIC_KEYS is one log line at start; every request is then denied (and logged).
config.check_at_init(tokens.require_verifying_keys)


def _vouched_for(answer: dict[str, Any]) -> str | None:
    """The user an answer lets in (HTTP simple response or WebSocket policy), else None."""
    if answer.get("isAuthorized"):
        return str((answer.get("context") or {}).get("user_id") or "") or None
    statements = (answer.get("policyDocument") or {}).get("Statement") or []
    if statements and all(statement.get("Effect") == "Allow" for statement in statements):
        return str(answer.get("principalId") or "") or None
    return None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    answer = gateway.authorize(event)
    user_id = _vouched_for(answer)
    if user_id:
        activity.record_active(user_id)
    return answer
