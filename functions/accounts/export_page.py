"""data_export task (the Map's): one page of a section to its part file on S3. Input one of the
plan's pages; output {part, rows}. Safe to run again (the same file, counted once)."""

from typing import Any

from plaza.accounts import exports


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return exports.write_page(event)
