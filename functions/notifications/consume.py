"""NotificationsQueue consumer: store and deliver each queued notification.

Reports partial batch failures (plaza.sqs_batch): a message whose handling failed (Postgres down)
is retried alone and, after five receives, moves to the dead-letter queue; a malformed message is
logged and dropped, since no retry can fix it.
"""

from typing import Any

from plaza import sqs_batch
from plaza.notifications import service


def _handle(body: str) -> None:
    service.handle(sqs_batch.json_object(body))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # service.BadEvent is a ValueError, as are a body that is not JSON or not an object.
    return sqs_batch.process(event, _handle, what="notification", dropped=(ValueError,),
                             dropped_metric="NotificationDropped")
