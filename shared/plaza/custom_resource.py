"""A function run by the stack on every deploy as a CloudFormation custom resource, and by hand:
it does its work on Create and Update, nothing on Delete, and answers CloudFormation's pre-signed
URL with SUCCESS or FAILED (a stack waits an hour for an answer that never comes)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any


def _answer(event: dict[str, Any], status: str, reason: str, physical_id: str) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason[:1000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    request = urllib.request.Request(  # noqa: S310 - the pre-signed S3 URL CloudFormation gave us
        event["ResponseURL"], data=body, method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def run(event: dict[str, Any], work: Callable[[], list[str]], *, physical_id: str,
        done: Callable[[list[str]], str]) -> dict[str, Any]:
    """`{"applied": work()}`; as a custom resource, CloudFormation hears `done(applied)` or the
    error (then `{"error": …}` is returned); called by hand, an error raises."""
    is_custom_resource = "ResponseURL" in event and "RequestType" in event
    if is_custom_resource and event["RequestType"] == "Delete":
        _answer(event, "SUCCESS", "nothing to undo", physical_id)
        return {"applied": []}
    try:
        applied = work()
    except Exception as error:
        if is_custom_resource:
            _answer(event, "FAILED", f"{type(error).__name__}: {error}", physical_id)
            return {"error": str(error)}
        raise
    if is_custom_resource:
        _answer(event, "SUCCESS", done(applied), physical_id)
    return {"applied": applied}
