"""Ready media rows for tests of what carries media (posts, messages, avatars) without uploading:
plaza.media accepts only a user's own ready media of the matching purpose."""

from __future__ import annotations

import uuid

from plaza.stores import db


def ready_media(owner_id: str, purpose: str = "post", width: int = 640, height: int = 480,
                media_id: str | None = None) -> str:
    """A ready image of `owner_id` with no stored variants; its id."""
    media_id = media_id or str(uuid.uuid4())
    db.execute(
        "INSERT INTO media (id, owner_id, purpose, status, content_type, declared_size, size,"
        " upload_key, width, height, blurhash) VALUES (%s, %s, %s, 'ready', 'image/jpeg', 1000,"
        " 1000, %s, %s, %s, 'L00000fQfQfQfQfQfQfQfQfQfQfQ')",
        (media_id, owner_id, purpose, f"uploads/{media_id}", width, height))
    return media_id
