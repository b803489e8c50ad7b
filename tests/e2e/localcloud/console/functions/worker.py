"""Consumes the fixture's jobs queue."""


def handler(event, context):
    print(f"{len(event['Records'])} job(s)")
    return {"batchItemFailures": []}
