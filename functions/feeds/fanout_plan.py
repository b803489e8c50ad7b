"""post_fanout state machine task: plan the next batches of a post's fan-out.

Input: {post_id, next?} (the machine's own state when it loops); output: plaza.feeds.fanout.FanoutPlan.
"""

from typing import Any

from plaza.feeds import fanout
from plaza.feeds.fanout import FanoutPlan


def handler(event: dict[str, Any], context: Any) -> FanoutPlan:
    return fanout.plan_fanout(event.get("post_id"), event.get("next"))
