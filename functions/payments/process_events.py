"""PaymentsQueue consumer: apply each recorded provider event once; a message that fails is
reported alone (partial batch response), retried by SQS, then dead-lettered."""

from typing import Any

from plaza import observability
from plaza.payments import queue, service


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            message = queue.parse(record["body"])
            service.process_event(str(message["provider"]), str(message["event_id"]))
        except Exception as error:  # noqa: BLE001 - one bad message must not fail the batch
            observability.log_error("payment event not applied", error=error,
                                    message_id=record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
