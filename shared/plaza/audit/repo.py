"""Audit SQL: append a record, read a filtered page. There is no update or delete: the table's
trigger refuses both."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from plaza.stores import db

Row = dict[str, Any]

_COLUMNS = ("id::text AS id, at, actor_id::text AS actor_id, actor_role, action, target_type,"
            " target_id, reason, changes, request_id")


def insert(actor_id: str, actor_role: str, action: str, target_type: str, target_id: str,
           reason: str | None, changes: dict[str, Any], request_id: str | None) -> Row:
    row = db.fetch_one(
        "INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, reason,"  # noqa: S608
        " changes, request_id) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
        f" RETURNING {_COLUMNS}",
        (actor_id, actor_role, action, target_type, target_id, reason,
         json.dumps(changes, default=str), request_id),
    )
    assert row is not None
    return row


def page(filters: dict[str, Any], limit: int, after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Newest first, strictly after the `after` key; `filters` keys: actor, target, action, from, to."""
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for key, condition in (("actor", "actor_id = %(actor)s"), ("target", "target_id = %(target)s"),
                           ("action", "action = %(action)s"), ("from", "at >= %(from)s"),
                           ("to", "at < %(to)s")):
        if filters.get(key) is not None:
            conditions.append(condition)
            params[key] = filters[key]
    if after is not None:
        conditions.append("(at, id) < (%(after_at)s, %(after_id)s::uuid)")
        params.update(after_at=after[0], after_id=after[1])
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return db.fetch_all(
        f"SELECT {_COLUMNS} FROM audit_log{where}"  # noqa: S608 - fixed fragments only
        " ORDER BY at DESC, id DESC LIMIT %(limit)s",
        params,
    )
