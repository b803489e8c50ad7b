"""What each purpose accepts (types, sizes) and how a file's real type is told from its bytes.

The declared type only chooses the policy an upload is signed with; processing decides the type
again from the first bytes (filetype's signatures), never from a name or a header.
"""

from __future__ import annotations

from typing import Literal

from plaza import errors
from plaza.config import settings

Purpose = Literal["avatar", "post", "chat", "document", "video"]
PURPOSES: tuple[str, ...] = ("avatar", "post", "chat", "document", "video")

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic"})
DOCUMENT_TYPES = frozenset({"application/pdf"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime"})

ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "avatar": IMAGE_TYPES, "post": IMAGE_TYPES, "chat": IMAGE_TYPES,
    "document": DOCUMENT_TYPES, "video": VIDEO_TYPES,
}
# S3's single POST takes up to 5 GB, but a browser POST of 100 MB is one request that fails
# whole: above this, the purpose uploads in parts (POST .../parts, .../complete).
SINGLE_UPLOAD_MAX = 10 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024  # S3's minimum is 5 MiB for every part but the last
MAX_PARTS = 100
# Enough for every signature filetype knows (ISO BMFF boxes sit in the first few hundred bytes).
SNIFF_BYTES = 4096

# filetype's names for what the declared types mean (HEIF images are sniffed as image/heic too).
_SNIFFED_ALIASES = {"image/heif": "image/heic", "video/x-m4v": "video/mp4"}


def max_bytes(purpose: str) -> int:
    config = settings()
    return {
        "avatar": config.media_avatar_max_bytes,
        "post": config.media_image_max_bytes,
        "chat": config.media_image_max_bytes,
        "document": config.media_document_max_bytes,
        "video": config.media_video_max_bytes,
    }[purpose]


def is_multipart(purpose: str, size: int) -> bool:
    """Whether an upload of `size` bytes goes in parts: only where a purpose allows that much."""
    return size > SINGLE_UPLOAD_MAX and max_bytes(purpose) > SINGLE_UPLOAD_MAX


def check_upload(purpose: str, content_type: str, size: int) -> None:
    """422 naming the field when the purpose takes no such type or not that many bytes."""
    allowed = ALLOWED_TYPES[purpose]
    if content_type not in allowed:
        raise errors.Invalid(f"A {purpose} upload takes {', '.join(sorted(allowed))}", errors=[{
            "field": "body.content_type", "type": "type_not_allowed",
            "message": f"{content_type} is not allowed for {purpose}"}])
    limit = max_bytes(purpose)
    if size > limit:
        raise errors.Invalid(f"A {purpose} upload is at most {limit} bytes", errors=[{
            "field": "body.size", "type": "too_large",
            "message": f"{size} bytes is over the {purpose} limit of {limit}"}])


def sniffed_type(head: bytes) -> str | None:
    """The MIME type the bytes say they are, or None when no known signature matches."""
    import filetype  # lazy: only the processing function sniffs

    found = filetype.guess_mime(head)
    if found is None:
        return None
    return _SNIFFED_ALIASES.get(found, found)
