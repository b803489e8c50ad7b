"""Finished Step Functions executions are forgotten after a bound, so the local cloud's memory
stays flat however long it runs.

moto keeps every execution in memory, each with its own copy of the state machine and its whole
history, for the life of the process (AWS keeps them 90 days, on its disks). When an execution
finishes, its state machine keeps the newest `keep` finished executions of each status, and
none that stopped more than `max_age_s` ago. Counting per status keeps the rare failed ones
in view (the console, a redrive) while thousands of successes go by. A running execution is
never touched.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from localcloud.template.account import ACCOUNT_ID, REGION

KEEP_PER_STATUS = 100
MAX_AGE_S = 30 * 60.0


@dataclass(frozen=True)
class Retention:
    keep: int = KEEP_PER_STATUS  # finished executions kept per state machine and status
    max_age_s: float = MAX_AGE_S  # finished executions older than this are dropped


def prune(state_machine_arn: str, retention: Retention, now: datetime | None = None) -> int:
    """Drop the state machine's finished executions beyond `retention`; how many it dropped."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[ACCOUNT_ID][REGION]
    machine = next((m for m in backend.state_machines if m.arn == state_machine_arn), None)
    if machine is None:
        return 0
    executions: list[Any] = machine.executions
    oldest = (now or datetime.now(UTC)) - timedelta(seconds=retention.max_age_s)
    kept_per_status: dict[str, int] = {}
    dropped = []
    # Newest first, so the newest of each status are the ones counted in.
    for execution in sorted(executions, key=lambda e: e.start_date, reverse=True):
        if execution.stop_date is None:  # running (or starting)
            continue
        status = str(execution.status)
        kept = kept_per_status.get(status, 0)
        if kept >= retention.keep or execution.stop_date < oldest:
            dropped.append(execution)
        else:
            kept_per_status[status] = kept + 1
    # One by one, in place: moto appends started executions from other threads meanwhile, and
    # rebuilding the list could lose one of those.
    for execution in dropped:
        with contextlib.suppress(ValueError):  # another finishing execution pruned it first
            executions.remove(execution)
    return len(dropped)
