"""MediaQueue consumer: each S3 ObjectCreated notification of an upload is processed once
(pending -> ready | rejected); a failure is reported alone (plaza.sqs_batch), retried by SQS,
then dead-lettered."""

from typing import Any
from urllib.parse import unquote_plus

from plaza import sqs_batch
from plaza.media import service


def _handle(body: str) -> None:
    notification = sqs_batch.json_object(body)
    # S3 sends one s3:TestEvent (no records) when the notification is configured.
    for record in notification.get("Records") or []:
        if str(record.get("eventName", "")).startswith("ObjectCreated"):
            service.process_upload(unquote_plus(record["s3"]["object"]["key"]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return sqs_batch.process(event, _handle, what="media upload", dropped=(ValueError,),
                             dropped_metric="MediaNotificationDropped")
