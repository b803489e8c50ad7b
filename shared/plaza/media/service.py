"""Media rules: signing uploads within limits and quota, processing them (pending -> ready |
rejected), who may see them, attaching them to what other domains own, and removing them.

Other domains call down into it: posts and chat check `require_attachable` before storing ids
and `attach` after, responses carry `attached_media`; they register who may see what is attached
to their things in plaza.media.access.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from plaza import errors, observability
from plaza.config import settings
from plaza.media import access, limits, repo, storage
from plaza.media.models import (
    CompleteIn,
    MediaOut,
    MediaPage,
    PartsIn,
    PartsOut,
    PartUrl,
    PresignedPost,
    UploadIn,
    UploadOut,
    Variants,
)
from plaza.models import AttachedMedia, PageQuery, PostOut
from plaza.pagination import decode_cursor, page_of

# Media never attached to anything this long after its upload is removed (the cleanup schedule).
UNATTACHED_TTL = dt.timedelta(hours=24)
CLEANUP_BATCH = 200
# Attachment purposes: what each kind of thing accepts.
ATTACHABLE = {"post": ("post",), "chat": ("chat",), "avatar": ("avatar",)}


def _media_id(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def _not_found() -> errors.NotFound:
    return errors.NotFound("No such media")


def _quota_check(owner_id: str, size: int, except_id: str | None = None) -> None:
    quota = settings().media_quota_bytes
    used = repo.used_bytes(owner_id, except_id=except_id)
    if used + size > quota:
        raise errors.Conflict(f"This upload would take your media past its quota of {quota}"
                              f" bytes ({used} used)", reason="quota-exceeded",
                              used=used, quota=quota)


# ---------------------------------------------------------------- uploads

def create_upload(owner_id: str, body: UploadIn) -> UploadOut:
    """A presigned POST (or, past 10 MB where allowed, a multipart upload) for one new file."""
    from plaza.stores import db

    limits.check_upload(body.purpose, body.content_type, body.size)
    media_id = str(uuid.uuid4())
    key = storage.upload_key(media_id)
    with db.transaction():
        if not repo.lock_active_owner(owner_id):
            raise errors.Unauthorized("The account no longer exists")
        _quota_check(owner_id, body.size)
        repo.insert(owner_id, body.purpose, body.content_type, body.size, body.filename,
                    media_id, key)
    observability.count("MediaUploadSigned", purpose=body.purpose)
    if limits.is_multipart(body.purpose, body.size):
        repo.set_multipart(media_id, storage.start_multipart(key, body.content_type))
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=storage.UPLOAD_EXPIRES_S)
        return UploadOut(media_id=media_id, upload=None, multipart=True,
                         part_size=limits.PART_SIZE, expires_at=expires_at)
    post, expires_at = storage.presigned_post(key, body.content_type, body.size)
    return UploadOut(media_id=media_id, upload=PresignedPost(**post), expires_at=expires_at)


def _own_pending_multipart(owner_id: str, raw_id: str) -> dict[str, Any]:
    media_id = _media_id(raw_id)
    row = repo.media(media_id) if media_id else None
    if row is None or row["owner_id"] != owner_id:
        raise _not_found()
    if not row["multipart_upload_id"]:
        raise errors.Conflict("This upload is a single POST, not a multipart upload")
    if row["status"] != "pending" or row["size"] is not None:
        raise errors.Conflict("This upload is complete already")
    return row


def sign_parts(owner_id: str, raw_id: str, body: PartsIn) -> PartsOut:
    row = _own_pending_multipart(owner_id, raw_id)
    most = -(-int(row["declared_size"]) // limits.PART_SIZE)
    bad = [n for n in body.part_numbers if not 1 <= n <= most]
    if bad:
        raise errors.Invalid(f"This upload has parts 1 to {most}", errors=[{
            "field": "body.part_numbers", "type": "part_number",
            "message": f"no part {bad[0]}"}])
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=storage.UPLOAD_EXPIRES_S)
    return PartsOut(expires_at=expires_at, parts=[
        PartUrl(part_number=n, url=storage.part_url(row["upload_key"], row["multipart_upload_id"], n))
        for n in sorted(set(body.part_numbers))])


def complete_upload(owner_id: str, raw_id: str, body: CompleteIn) -> MediaOut:
    """Assemble the parts; the quota counts the assembled size (409 past it, the parts dropped)."""
    row = _own_pending_multipart(owner_id, raw_id)
    key, upload_id = row["upload_key"], row["multipart_upload_id"]
    storage.complete_multipart(key, upload_id, [(p.part_number, p.etag) for p in body.parts])
    found = storage.head(key)
    size = int(found["ContentLength"]) if found else 0
    if size > int(row["declared_size"]):
        storage.delete([key])
        repo.mark_rejected(row["id"], f"{size} bytes uploaded, {row['declared_size']} declared")
        raise errors.Invalid("The parts hold more bytes than the upload declared", errors=[{
            "field": "body.parts", "type": "too_large", "message": f"{size} bytes"}])
    try:
        _quota_check(owner_id, size, except_id=row["id"])
    except errors.Conflict:
        storage.delete([key])
        repo.mark_rejected(row["id"], "over the storage quota")
        raise
    # The object's ObjectCreated event runs processing, as for a single POST.
    stored = repo.media(row["id"])
    assert stored is not None
    return _out(stored)


# ---------------------------------------------------------------- processing

def process_upload(key: str) -> str:
    """Decide what the uploaded object really is and keep it, re-encoded, or reject it.

    Runs once per media whatever the redeliveries: the row is locked and only a pending one is
    processed. A failure to read or write S3 raises (the queue retries); a file that is not what
    it claims is a rejection, never a retry. Returns the outcome (for logs and tests).
    """
    from plaza.stores import db

    media_id = _media_id(key.removeprefix("uploads/"))
    if not key.startswith("uploads/") or media_id is None:
        return "ignored"
    with db.transaction():
        row = repo.locked(media_id)
        if row is None:
            storage.delete([key])  # an object no media row signed for (deleted meanwhile)
            return "orphan"
        if row["status"] != "pending":
            return "done-already"
        found = storage.head(key)
        if found is None:
            return "missing"  # an event for an object deleted since (redelivered late)
        outcome = _processed(row, key, int(found["ContentLength"]))
    _tell_owner(row["owner_id"], media_id, outcome)
    return outcome


def _processed(row: dict[str, Any], key: str, size: int) -> str:
    from plaza.media import pipeline

    declared = row["content_type"]
    if size > int(row["declared_size"]):
        return _reject(row, key, f"{size} bytes stored, {row['declared_size']} declared")
    sniffed = limits.sniffed_type(storage.read(key, first=limits.SNIFF_BYTES))
    if sniffed != declared:
        return _reject(row, key, f"the file is {sniffed or 'of no known type'}, not {declared}")
    try:
        _quota_check(row["owner_id"], size, except_id=row["id"])
    except errors.Conflict:
        return _reject(row, key, "over the storage quota")
    try:
        if declared in limits.IMAGE_TYPES:
            result = pipeline.process_image(storage.read(key), declared)
        elif declared in limits.DOCUMENT_TYPES:
            result = pipeline.process_pdf(storage.read(key))
        else:
            result = pipeline.Outcome()
    except pipeline.Undecodable as error:
        return _reject(row, key, str(error))
    variants: dict[str, str] = {}
    kept = 0
    for name, (data, content_type, extension) in result.variants.items():
        variant = storage.variant_key(row["id"], row["purpose"], name, extension)
        storage.write(variant, data, content_type)
        variants[name] = variant
        kept += len(data)
    if not result.variants:  # video: kept as uploaded, under its served key
        extension = declared.rsplit("/", 1)[-1]
        variant = storage.variant_key(row["id"], row["purpose"], "original", extension)
        storage.copy(key, variant, declared)
        variants["original"], kept = variant, size
    storage.delete([key])
    repo.mark_ready(row["id"], kept, result.width, result.height, result.blurhash, result.pages,
                    variants)
    observability.count("MediaReady", purpose=row["purpose"])
    return "ready"


def _reject(row: dict[str, Any], key: str, reason: str) -> str:
    storage.delete([key])
    repo.mark_rejected(row["id"], reason)
    observability.count("MediaRejected", purpose=row["purpose"])
    observability.log_info("media rejected", media_id=row["id"], reason=reason)
    return "rejected"


def _tell_owner(owner_id: str, media_id: str, outcome: str) -> None:
    """`media.ready` / `media.rejected` to the owner's connections; fails open (GET tells too)."""
    if outcome not in ("ready", "rejected"):
        return
    row = repo.media(media_id)
    if row is None:
        return
    try:
        from plaza.realtime import delivery

        delivery.send_to_user(owner_id, {"type": f"media.{outcome}",
                                         "media": _out(row).model_dump(mode="json")})
    except Exception:  # noqa: BLE001 - the status is stored; a frame is a courtesy
        observability.log_exception("media frame not sent", media_id=media_id)


# ---------------------------------------------------------------- reading

def _variant_urls(row: dict[str, Any]) -> dict[str, str]:
    if row["status"] != "ready":
        return {}
    return {name: storage.url(key, row["purpose"]) for name, key in (row["variants"] or {}).items()}


def _out(row: dict[str, Any]) -> MediaOut:
    return MediaOut(
        id=row["id"], status=row["status"], purpose=row["purpose"],
        content_type=row["content_type"],
        size=int(row["size"] if row["size"] is not None else row["declared_size"]),
        filename=row["filename"], width=row["width"], height=row["height"],
        blurhash=row["blurhash"], pages=row["pages"], reason=row["reason"],
        variants=Variants(**_variant_urls(row)), created_at=row["created_at"])


def get_media(viewer_id: str, raw_id: str) -> MediaOut:
    """The media for its owner, or for anyone who may see something it is attached to; 404
    otherwise (whether it exists is not told)."""
    media_id = _media_id(raw_id)
    row = repo.media(media_id) if media_id else None
    if row is None:
        raise _not_found()
    if row["owner_id"] != viewer_id and not (
            row["status"] == "ready"
            and access.may_see_attached(viewer_id, repo.attachments(row["id"]))):
        raise _not_found()
    return _out(row)


def my_media_page(owner_id: str, query: PageQuery) -> MediaPage:
    rows = repo.page(owner_id, decode_cursor(query.cursor), query.limit)
    items, cursor = page_of(rows, query.limit, "created_at", "id")
    return MediaPage(items=[_out(row) for row in items], next_cursor=cursor)


def media_of_user(user_id: str, limit: int = 100, cursor: str | None = None) -> MediaPage:
    """A user's media, newest first, in pages (account export)."""
    return my_media_page(user_id, PageQuery(limit=limit, cursor=cursor))


# ---------------------------------------------------------------- attachments

def require_attachable(owner_id: str, media_ids: list[str], purpose: str,
                       field: str = "body.media_ids") -> None:
    """422 naming the first id that is not the owner's own ready media of this purpose."""
    if not media_ids:
        return
    wanted = ATTACHABLE[purpose]
    parsed = {raw: _media_id(raw) for raw in media_ids}
    rows = {row["id"]: row for row in repo.many([m for m in parsed.values() if m])}
    for index, raw in enumerate(media_ids):
        row = rows.get(parsed[raw] or "")
        problem = None
        if row is None or row["owner_id"] != owner_id:
            problem = "no such media of yours"
        elif row["status"] != "ready":
            problem = f"the media is {row['status']}, not ready"
        elif row["purpose"] not in wanted:
            problem = f"the media was uploaded for {row['purpose']}, not {purpose}"
        if problem:
            name = field if field.endswith("_id") else f"{field}.{index}"
            raise errors.Invalid(f"Media {raw} cannot be attached: {problem}", errors=[{
                "field": name, "type": "media", "message": problem, "media_id": raw}])


def attach(media_ids: list[str], kind: str, target_id: str) -> None:
    """Record that the media is attached to `kind` `target_id` (who may see it follows)."""
    repo.attach([m for m in (_media_id(raw) for raw in media_ids) if m], kind, target_id)


def detach(kind: str, target_id: str) -> None:
    repo.detach_target(kind, target_id)


def attached_media(media_ids: list[str]) -> list[AttachedMedia]:
    """The ready media of `media_ids`, in that order, as responses carry it."""
    ids = [m for m in (_media_id(raw) for raw in media_ids) if m]
    if not ids:
        return []
    rows = {row["id"]: row for row in repo.many(ids)}
    shown = []
    for media_id in ids:
        row = rows.get(media_id)
        if row is not None and row["status"] == "ready":
            shown.append(AttachedMedia(id=media_id, content_type=row["content_type"],
                                       width=row["width"], height=row["height"],
                                       blurhash=row["blurhash"], variants=_variant_urls(row)))
    return shown


def posts_with_media(posts: list[PostOut]) -> list[PostOut]:
    """The posts with their ready media, one query for the page (posts, feeds, trending). Not
    cached with the posts: a deleted media must vanish from the posts carrying it at once."""
    shown = {item.id: item for item in attached_media(
        [media_id for post in posts for media_id in post.media_ids])}
    return [post.model_copy(update={"media": [shown[m] for m in post.media_ids if m in shown]})
            if post.media_ids else post for post in posts]


# ---------------------------------------------------------------- removing

def _remove(row: dict[str, Any]) -> None:
    """The objects first, then the row: a failure leaves the row to find and retry."""
    keys = [row["upload_key"], *(row["variants"] or {}).values()]
    if row["multipart_upload_id"] and row["status"] == "pending":
        storage.abort_multipart(row["upload_key"], row["multipart_upload_id"])
    storage.delete(keys)
    repo.delete(row["id"])


def delete_media(owner_id: str, raw_id: str) -> None:
    """Remove the media's objects and row; what it was attached to no longer shows it."""
    media_id = _media_id(raw_id)
    row = repo.media(media_id) if media_id else None
    if row is None or row["owner_id"] != owner_id:
        raise _not_found()
    _remove(row)
    observability.count("MediaDeleted")


def cleanup_unattached(now: dt.datetime | None = None) -> int:
    """Remove media never attached within a day of its upload; how many (one bounded batch per
    call, the schedule comes back for the rest)."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - UNATTACHED_TTL
    rows = repo.never_attached(cutoff, CLEANUP_BATCH)
    for row in rows:
        _remove(row)
    if rows:
        observability.count("MediaCleanedUp", len(rows))
    return len(rows)


def delete_all_for_user(user_id: str) -> int:
    """Remove every media of the user, objects and rows (account deletion); idempotent: a rerun
    after a failure removes what is left. How many were removed."""
    removed = 0
    while rows := repo.of_owner(user_id, CLEANUP_BATCH):
        for row in rows:
            _remove(row)
        removed += len(rows)
    return removed
