"""Raises, as a handler with a bug does."""


def handler(event, context):
    raise RuntimeError("boom")
