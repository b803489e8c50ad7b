"""data_export task (the first): plan an export's pages. Input {export_id}; output {export_id,
pages: [{export_id, part, section, after, upto}]}. Safe to run again (the same pages)."""

from typing import Any

from plaza.accounts import exports


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return exports.plan(str(event["export_id"]))
