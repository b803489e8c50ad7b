"""The fixture's scheduled function; the console's "Run now" fires it."""


def handler(event, context):
    print(f"nightly run for {event.get('source', 'a caller')}")
    return {"ran": True}
