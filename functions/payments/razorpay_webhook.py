"""POST /v1/payments/webhooks/razorpay: a Razorpay event, verified against the raw body with the
official library (X-Razorpay-Signature; 400 when forged), recorded by its X-Razorpay-Event-Id and
queued for PaymentsQueue; a redelivery of an applied event is a 200 that does nothing."""

import os

from plaza.config import resolve_secret
from plaza.http import Request, endpoint
from plaza.payments import queue, razorpay_provider, service


@endpoint
def handler(request: Request) -> dict[str, object]:
    # No secret configured (a stage without Razorpay): nothing can be verified, so nothing is
    # accepted; Razorpay keeps retrying until one is.
    secret = resolve_secret(os.environ.get("RAZORPAY_WEBHOOK_SECRET", ""))
    event_id, pending = service.receive_razorpay(
        request.body, request.header(razorpay_provider.SIGNATURE_HEADER),
        request.header(razorpay_provider.EVENT_ID_HEADER), secret)
    if pending:
        queue.enqueue(razorpay_provider.NAME, event_id)
    return {"received": True, "event_id": event_id, "queued": pending}
