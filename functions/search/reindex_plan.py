"""search_reindex state machine task: plan the next pages of the full reindex.

Input: {next?} (the machine's own state when it loops; absent to start); output:
{pages: [{index, after, until}], next} (plaza.search.reindex.plan).
"""

from typing import Any

from plaza.search import reindex


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return reindex.plan(event.get("next"))
