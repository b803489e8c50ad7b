"""search_reindex state machine task: plan the next pages of the full reindex.

Input: {next?} (the machine's own state when it loops; absent to start); output:
{pages: [{index, after, until}], next} (plaza.search.pages.plan).
"""

from typing import Any

from plaza.search import pages


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return pages.plan(event.get("next"))
