"""GET /health for the console fixture: logs a line the page must show, answers 200."""

import json


def handler(event, context):
    print(f"health check from {event['requestContext']['http']['sourceIp']}")
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"status": "ok"})}
