"""post_fanout state machine task (the last): record that the post's fan-out completed.

Input: {post_id}; output: null. Safe to retry. The reconciler restarts fan-outs never recorded.
"""

from typing import Any

from plaza.feeds import fanout


def handler(event: dict[str, Any], context: Any) -> None:
    fanout.record_completed(event.get("post_id"))
