"""Mobile pushes through Amazon SNS platform endpoints; the client is created on first use.

The platform applications (APNs, FCM) hold the vendors' credentials, so they are made outside the
stack; PUSH_APPLICATIONS maps each platform to its application's ARN ("apns=arn:...,fcm=arn:...").
Locally AWS_ENDPOINT_URL points boto3 at the local cloud's moto, whose outbox records each push.
"""

from __future__ import annotations

import json
import os
from typing import Any

from plaza.stores import aws

# SNS's key for each platform in a MessageStructure=json message.
_SNS_PLATFORM = {"apns": "APNS", "apns_sandbox": "APNS_SANDBOX", "fcm": "GCM"}

class EndpointGone(Exception):
    """The token's endpoint is disabled or deleted (the app was uninstalled): forget the token."""


def application_arn(platform: str) -> str | None:
    for pair in os.environ.get("PUSH_APPLICATIONS", "").split(","):
        name, _, arn = pair.strip().partition("=")
        if name == platform and arn:
            return arn
    return None


def create_endpoint(platform: str, token: str) -> str | None:
    """The SNS endpoint ARN of a device token (SNS returns the same one for the same token);
    None when no application is configured for the platform."""
    arn = application_arn(platform)
    if arn is None:
        return None
    response = aws.client("sns").create_platform_endpoint(PlatformApplicationArn=arn, Token=token)
    return str(response["EndpointArn"])


def send(endpoint_arn: str, platform: str, title: str, body: str, data: dict[str, Any]) -> str:
    """Push one alert to one device; SNS's message id. EndpointGone when the device is gone."""
    if platform == "fcm":
        payload = {"notification": {"title": title, "body": body}, "data": data}
    else:
        payload = {"aps": {"alert": {"title": title, "body": body}}, "data": data}
    message = {"default": body, _SNS_PLATFORM[platform]: json.dumps(payload, default=str)}
    try:
        response = aws.client("sns").publish(TargetArn=endpoint_arn, Message=json.dumps(message),
                                    MessageStructure="json")
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("EndpointDisabled", "NotFound"):
            raise EndpointGone(endpoint_arn) from exc
        raise
    return str(response["MessageId"])

