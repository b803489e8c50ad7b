"""Applies each search index's settings (plaza.search.index_settings) to Meilisearch; invoked by
the stack on every deploy through a custom resource (only when MeiliUrlParameter is set), and by
hand with `sam remote invoke SearchApplySettingsFunction`. Idempotent: settings equal to the
current ones change nothing."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from plaza.search import index_settings
from plaza.stores import search


def _answer_cloudformation(event: dict[str, Any], status: str, reason: str) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason[:1000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or "plaza-search-settings",
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
        applied = index_settings.apply() if search.meilisearch_configured() else []
    except Exception as error:
        if is_custom_resource:
            _answer_cloudformation(event, "FAILED", f"{type(error).__name__}: {error}")
            return {"error": str(error)}
        raise
    if is_custom_resource:
        _answer_cloudformation(event, "SUCCESS", f"settings applied to {len(applied)} indexes")
    return {"applied": applied}
