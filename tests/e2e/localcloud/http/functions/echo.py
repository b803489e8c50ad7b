"""Answers with the event it received, so a test can check the payload 2.0 shape."""

import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"event": event, "function": context.function_name})}
