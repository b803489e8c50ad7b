"""Recording and reading the audit log.

`record` joins the caller's transaction: a caller opens `db.transaction()`, makes its change and
records it inside the same block, so an action and its record commit or roll back together.
"""

from __future__ import annotations

from typing import Any

from plaza import observability
from plaza.audit import repo
from plaza.audit.models import AuditPage, AuditQuery, AuditRecord
from plaza.identity.gateway import Caller, require_role
from plaza.pagination import decode_cursor, page_of


def record(actor: Caller, action: str, target_type: str, target_id: str, *,
           reason: str | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditRecord:
    """Append one record of `actor` doing `action` to the target, with the request's id."""
    row = repo.insert(actor.user_id, actor.role, action, target_type, str(target_id), reason,
                      {"before": before or {}, "after": after or {}}, observability.request_id())
    return AuditRecord(**row)


def audit_page(actor: Caller, query: AuditQuery) -> AuditPage:
    """One page of the log, newest first (admins only)."""
    require_role(actor, "admin")
    after = decode_cursor(query.cursor)
    filters = {"actor": str(query.actor) if query.actor else None, "target": query.target,
               "action": query.action, "from": query.from_, "to": query.to}
    rows = repo.page(filters, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "at", "id")
    return AuditPage(items=[AuditRecord(**row) for row in items], next_cursor=next_cursor)
