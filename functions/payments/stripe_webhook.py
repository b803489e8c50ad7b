"""POST /v1/payments/webhooks/stripe: a Stripe event, verified against the raw body with the
official library (signature and timestamp tolerance; 400 when forged or stale), recorded by id
and queued for PaymentsQueue; a redelivery of an applied event is a 200 that does nothing."""

import os

from plaza.config import resolve_secret
from plaza.http import Request, endpoint
from plaza.payments import queue, service, stripe_provider


@endpoint
def handler(request: Request) -> dict[str, object]:
    # No secret configured (a stage without payments): nothing can be verified, so nothing is
    # accepted; the provider keeps retrying until one is.
    secret = resolve_secret(os.environ.get("STRIPE_WEBHOOK_SECRET", ""))
    event_id, pending = service.receive_stripe(
        request.body.decode(), request.header(stripe_provider.SIGNATURE_HEADER), secret)
    if pending:
        queue.enqueue(stripe_provider.NAME, event_id)
    return {"received": True, "event_id": event_id, "queued": pending}
