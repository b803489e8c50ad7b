"""The WebSocket $default route of the console fixture."""


def handler(event, context):
    return {"statusCode": 200}
