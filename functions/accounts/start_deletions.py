"""Scheduled every hour: free the usernames held 30 days and start the account_deletion state
machine (ACCOUNT_DELETION_STATE_MACHINE_ARN) for each deletion that is due or still running."""

import os
from typing import Any

from plaza.accounts import service


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return service.start_due_deletions(os.environ["ACCOUNT_DELETION_STATE_MACHINE_ARN"])
