"""GET /v1/me/subscription: the caller's plan as the provider last described it; 404 for none."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.payments import service
from plaza.payments.models import SubscriptionOut


@endpoint
def handler(request: Request) -> SubscriptionOut:
    return service.subscription(caller(request).user_id)
