"""call_ring task: the ring timeout ended; a call still ringing ends as missed and the members it
rang are notified. Input {call_id}; output {call_id, status}. Safe to run again."""

from typing import Any

from plaza.chat import calls


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    call_id = str(event["call_id"])
    return {"call_id": call_id, "status": calls.ring_timeout(call_id)}
