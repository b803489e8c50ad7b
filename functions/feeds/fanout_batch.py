"""post_fanout state machine task (inside the Map): write one batch of a post's fan-out.

Input: {post_id, batch: {after, upto}}; output: {written}. Safe to retry: rows already there stay.
"""

from typing import Any

from plaza.feeds import fanout


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"written": fanout.write_batch(event.get("post_id"), event.get("batch") or {})}
