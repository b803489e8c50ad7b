"""Schedule: remove media never attached to anything within a day of its upload."""

from typing import Any

from plaza import observability
from plaza.media import service


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    removed = service.cleanup_unattached()
    observability.log_info("unattached media removed", removed=removed)
    return {"removed": removed}
