"""PaymentsQueue consumer: apply each recorded provider event once; a message that fails is
reported alone (partial batch response, plaza.sqs_batch), retried by SQS, then dead-lettered."""

from typing import Any

from plaza import sqs_batch
from plaza.payments import queue, service


def _handle(body: str) -> None:
    message = queue.parse(body)
    service.process_event(str(message["provider"]), str(message["event_id"]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return sqs_batch.process(event, _handle, what="payment event")
