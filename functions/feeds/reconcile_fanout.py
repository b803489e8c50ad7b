"""Scheduled every minute: start again the post fan-outs an outage stopped or never started.

Input: the scheduled event (unused); output: plaza.feeds.reconcile.Reconciled.
"""

from typing import Any

from plaza.feeds import reconcile
from plaza.feeds.reconcile import Reconciled


def handler(event: dict[str, Any], context: Any) -> Reconciled:
    return reconcile.reconcile_fanouts()
