"""Chat rules: who may talk to whom, conversations, idempotent ordered messages, receipts."""

from __future__ import annotations

import uuid

from plaza.chat import repo


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        return None


def is_member(user_id: str, conversation_id: str) -> bool:
    """Whether the user belongs to the conversation (False for ids that are not uuids)."""
    conversation = _uuid(conversation_id)
    user = _uuid(user_id)
    return bool(conversation and user) and repo.is_member(str(user), str(conversation))


def partner_ids(user_id: str) -> set[str]:
    """Everyone who shares at least one conversation with the user."""
    user = _uuid(user_id)
    return repo.partner_ids(user) if user else set()
