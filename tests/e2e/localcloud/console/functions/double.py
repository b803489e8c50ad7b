"""The fixture state machine's task: doubles `n`."""


def handler(event, context):
    print(f"doubling {event['n']}")
    return {"n": event["n"] * 2}
