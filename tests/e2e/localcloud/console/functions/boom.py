"""POST /boom/{reason}: fails on purpose, so the page has an error with logs to show."""


def handler(event, context):
    reason = event["pathParameters"]["reason"]
    print(f"about to fail: {reason}")
    raise RuntimeError(reason)
