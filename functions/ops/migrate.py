"""Applies database migrations; invoked by the stack on every deploy (a custom resource)
and by hand with `sam remote invoke MigrateFunction`."""

from __future__ import annotations

from typing import Any

from plaza import custom_resource
from plaza.stores import db, migrations


def _migrate() -> list[str]:
    conn = db.connect()
    try:
        return migrations.apply(conn)
    finally:
        conn.close()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return custom_resource.run(event, _migrate, physical_id="plaza-migrations",
                               done=lambda applied: f"applied {len(applied)} migrations")
