"""Helpers the tests share: loading a function's handler, building API Gateway events."""
