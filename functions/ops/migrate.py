"""Applies database migrations; invoked by the stack on every deploy (a custom resource)
and by hand with `sam remote invoke MigrateFunction`."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from plaza.stores import db, migrations


def _migrate() -> list[str]:
    conn = db.connect()
    try:
        return migrations.apply(conn)
    finally:
        conn.close()


def _answer_cloudformation(event: dict[str, Any], status: str, reason: str) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason[:1000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or "plaza-migrations",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    request = urllib.request.Request(  # noqa: S310 - the pre-signed S3 URL CloudFormation gave us
        event["ResponseURL"], data=body, method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    is_custom_resource = "ResponseURL" in event and "RequestType" in event
    if is_custom_resource and event["RequestType"] == "Delete":
        _answer_cloudformation(event, "SUCCESS", "nothing to undo")
        return {"applied": []}
    try:
        applied = _migrate()
    except Exception as error:
        if is_custom_resource:
            _answer_cloudformation(event, "FAILED", f"{type(error).__name__}: {error}")
            return {"error": str(error)}
        raise
    if is_custom_resource:
        _answer_cloudformation(event, "SUCCESS", f"applied {len(applied)} migrations")
    return {"applied": applied}
