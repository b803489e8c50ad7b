"""data_export catch: the export failed for good (its retries spent); mark it failed so the user
may ask again at once. Input {export_id}."""

from typing import Any

from plaza.accounts import exports


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    exports.fail(str(event["export_id"]))
    return {"export_id": str(event["export_id"]), "status": "failed"}
