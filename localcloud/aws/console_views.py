"""What the /_local page shows of the AWS services: queue depths with their DLQs, the newest
executions with their histories, and outbox entries for sent emails, read straight from moto's
backends."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
from datetime import datetime
from typing import Any

from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.stack import Stack


def queue_rows(stack: Stack, aws_endpoint: str) -> list[dict[str, Any]]:
    """Each queue's visible, in-flight and delayed messages, and its DLQ's depth."""
    from moto.sqs.exceptions import QueueDoesNotExist
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[ACCOUNT_ID][REGION]
    queues = stack.queues
    base = f"{aws_endpoint}/{ACCOUNT_ID}"
    rows = []
    for queue in queues.values():
        try:
            moto_queue = backend.get_queue(queue.name)
        except QueueDoesNotExist:  # deleted by a handler
            continue
        row: dict[str, Any] = {
            "name": queue.name, "logical_id": queue.logical_id, "url": f"{base}/{queue.name}",
            "fifo": queue.fifo,
            "visible": moto_queue.approximate_number_of_messages,
            "in_flight": moto_queue.approximate_number_of_messages_not_visible,
            "delayed": moto_queue.approximate_number_of_messages_delayed,
            "dlq": None, "dlq_depth": None, "max_receive_count": queue.max_receive_count,
        }
        dlq = queues.get(queue.dead_letter_queue or "")
        if dlq is not None:
            row["dlq"] = dlq.name
            with contextlib.suppress(QueueDoesNotExist):
                row["dlq_depth"] = backend.get_queue(dlq.name).approximate_number_of_messages
        rows.append(row)
    return rows


def execution_rows(stack: Stack, limit: int = 20) -> list[dict[str, Any]]:
    """The newest executions of the stack's state machines, each with its history."""
    if not stack.state_machines:
        return []  # and no import of moto's interpreter, which takes seconds
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[ACCOUNT_ID][REGION]
    executions = sorted(backend._get_executions(), key=lambda e: e.start_date,
                        reverse=True)[:limit]
    return [execution_row(execution) for execution in executions]


def email_entry(backend: Any, message: Any) -> dict[str, Any]:
    """An SES message as the outbox shows it: who, to whom, subject, text (and HTML)."""
    entry: dict[str, Any] = {"channel": "email", "from": message.source, "cc": [], "bcc": []}
    if hasattr(message, "ids"):  # send_bulk_templated_email: one id per destination
        entry["id"] = message.ids[0] if message.ids else None
        entry["ids"] = list(message.ids)
    else:
        entry["id"] = message.id
    destinations = message.destinations
    if hasattr(message, "raw_data"):
        # Plaza's mail (plaza.stores.mail): MIME with a text and an HTML alternative, both shown.
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        entry.update(to=list(destinations), subject=str(parsed.get("Subject", "")),
                     body=text.get_content() if text is not None else "",
                     html=html.get_content() if html is not None else "")
        if not entry["body"] and entry["html"]:
            entry["body"] = entry["html"]
        return entry
    if isinstance(destinations, list):  # bulk: [{"Destination": {...}}, ...]
        destinations = {"ToAddresses": [address for item in destinations
                                        for address in item["Destination"].get("ToAddresses", [])]}
    entry.update(to=list(destinations.get("ToAddresses", [])),
                 cc=list(destinations.get("CcAddresses", [])),
                 bcc=list(destinations.get("BccAddresses", [])))
    if hasattr(message, "template"):
        from moto.ses.template import parse_template

        data = json.loads(message.template_data or "{}")
        data = data if isinstance(data, dict) else {}
        template = backend.templates.get(message.template) or {}
        entry.update(template=message.template, template_data=data,
                     subject=parse_template(str(template.get("subject_part") or ""), data),
                     body=parse_template(str(template.get("text_part")
                                             or template.get("html_part") or ""), data))
    else:
        entry.update(subject=message.subject, body=message.body)
    return entry


def execution_row(execution: Any) -> dict[str, Any]:
    status = getattr(execution.exec_status, "value", execution.exec_status)
    try:
        events = execution.to_history_output().get("events", [])
    except Exception:  # noqa: BLE001 - history of a starting execution
        events = []
    return {
        "arn": execution.exec_arn, "name": execution.name,
        "state_machine": execution.state_machine_arn.rsplit(":", 1)[-1],
        "status": str(status or "RUNNING"),
        "started_at": _iso(execution.start_date), "stopped_at": _iso(execution.stop_date),
        "input": _json_value(execution.input_data), "output": _json_value(execution.output),
        "error": execution.error, "cause": execution.cause,
        "history": [_history_event(event) for event in events],
    }


def _json_value(value: Any) -> Any:
    """moto keeps an execution's input as JSON text and its output as text or parsed JSON."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _history_event(event: dict[str, Any]) -> dict[str, Any]:
    """One history event, flattened to what the page shows: type, state, time."""
    row: dict[str, Any] = {"id": event.get("id"), "type": event.get("type"),
                           "timestamp": _iso(event.get("timestamp"))}
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            if "name" in details:
                row["state"] = details["name"]
            if "error" in details:
                row["error"] = details["error"]
    return row


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value

