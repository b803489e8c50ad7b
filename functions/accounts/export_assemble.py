"""data_export task (the last): stream the part files into the zip on S3, mark the export ready
and notify the user. Input {export_id, pages}; a rerun after ready does nothing."""

from typing import Any

from plaza.accounts import exports


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return exports.assemble(str(event["export_id"]), list(event["pages"]))
