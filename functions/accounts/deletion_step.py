"""account_deletion task: one step ({user_id, step}) of a running deletion; safe to run again.

Output: {user_id, step, changed} (the rows the step changed; 0 on a rerun).
"""

from typing import Any

import plaza.notifications.sessions  # noqa: F401 - the sessions step closes sockets, drops tokens
from plaza.accounts import deletion_steps


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user_id, step = str(event["user_id"]), str(event["step"])
    return {"user_id": user_id, "step": step, "changed": deletion_steps.run_step(step, user_id)}
