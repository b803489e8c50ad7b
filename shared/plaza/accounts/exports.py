"""Data export (GDPR access): a signed-in user asks (one a day), the data_export state machine
collects their data page by page into part files on S3, then streams them into one zip
(export.json + a readable index.html) and the user is notified; the link is valid 7 days.

The machine's tasks, each safe to run again: `plan` (the pages: key ranges of each section),
`write_page` (one page to its part file, recorded once), `assemble` (the zip, then ready and the
notification, once).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from typing import Any

from plaza import emails, errors, observability
from plaza.accounts import export_archive
from plaza.accounts import exports_repo as repo
from plaza.accounts.models import ExportOut
from plaza.ids import as_uuid
from plaza.notifications import producer
from plaza.stores import aws

ONE_EVERY = dt.timedelta(days=1)
LINK_VALID = dt.timedelta(days=7)
# Rows per page: a page's part file is written from one list in memory (a post is at most 5,000
# characters, so a page of posts stays under ~25 MB of text).
PAGE_ROWS = 2000
SINGLE = frozenset({"profile"})
FORMAT = "plaza-export/1"
# The media section lists the user's uploads; the files themselves are not in the zip yet.
SECTION_ORDER = tuple(repo.SECTIONS)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _bucket() -> str:
    bucket = os.environ.get("EXPORTS_BUCKET", "")
    if not bucket:
        raise errors.Unavailable("Data exports are not configured (EXPORTS_BUCKET)", dependency="s3")
    return bucket


def _part_key(export_id: str, part: int) -> str:
    return f"exports/{export_id}/parts/{part:05d}.jsonl"


def _zip_key(export_id: str) -> str:
    return f"exports/{export_id}/plaza-export.zip"


def _out(row: dict[str, Any], with_link: bool = True) -> ExportOut:
    status = row["status"]
    expires_at = row["expires_at"]
    url = None
    if status == "ready" and expires_at is not None and expires_at <= _now():
        status = "expired"
    elif status == "ready" and with_link:
        url = download_url(row["object_key"], expires_at)
    total, done = row["parts_total"], row["parts_done"]
    progress = 1.0 if status in ("ready", "expired") else (
        min(done / total, 0.99) if total else 0.0)
    return ExportOut(id=row["id"], status=status, progress=round(progress, 3),
                     requested_at=row["requested_at"], completed_at=row["completed_at"],
                     expires_at=expires_at, size_bytes=row["size_bytes"], download_url=url)


def download_url(object_key: str, expires_at: dt.datetime) -> str:
    """A presigned GET of the zip until the export expires (at most 7 days, SigV4's limit). In
    AWS a URL signed with a function's temporary credentials ends with them, sooner: the status
    route signs a fresh one each time it is asked."""
    seconds = max(1, min(int((expires_at - _now()).total_seconds()), int(LINK_VALID.total_seconds())))
    return str(aws.client("s3").generate_presigned_url(
        "get_object", ExpiresIn=seconds,
        Params={"Bucket": _bucket(), "Key": object_key,
                "ResponseContentDisposition": 'attachment; filename="plaza-export.zip"'}))


def request_export(user_id: str, machine_arn: str | None) -> ExportOut:
    """Start an export of the caller's data; 429 (with Retry-After and the standing export's id)
    when one was asked for in the last day and has not failed."""
    created, recent = repo.create_unless_recent(user_id, _now() - ONE_EVERY)
    if recent is not None:
        wait = recent["requested_at"] + ONE_EVERY - _now()
        raise errors.RateLimited("One data export a day: the last one is at the given id",
                                 retry_after=int(wait.total_seconds()) + 1, export_id=recent["id"])
    if created is None:
        raise errors.NotFound("No active account to export")
    try:
        if not machine_arn:
            raise RuntimeError("DATA_EXPORT_STATE_MACHINE_ARN is not set")
        aws.after_commit("stepfunctions").start_execution(
            stateMachineArn=machine_arn, name=f"export-{created['id']}",
            input=json.dumps({"export_id": created["id"]}))
    except Exception as error:  # noqa: BLE001 - boto3 raises many kinds; the export cannot run
        repo.mark_failed(created["id"])
        observability.log_exception("data export not started", export_id=created["id"])
        raise errors.Unavailable("The export could not be started; try again",
                                 dependency="stepfunctions", retry_after=30) from error
    observability.count("DataExportRequested")
    return _out(created)


def export_status(user_id: str, export_id: str) -> ExportOut:
    export_id = as_uuid(export_id) or ""
    row = repo.export(export_id, user_id) if export_id else None
    if row is None:
        raise errors.NotFound("No such export")
    return _out(row)


# ---------------------------------------------------------------- the state machine's tasks

def plan(export_id: str) -> dict[str, Any]:
    """The pages to collect: each section's key ranges of PAGE_ROWS rows, numbered from 1."""
    row = repo.export(export_id)
    if row is None or row["status"] not in ("pending", "running"):
        raise errors.Invalid("No export of this id is waiting to run")
    pages: list[dict[str, Any]] = []
    for section in SECTION_ORDER:
        ends = repo.page_boundaries(section, row["user_id"], PAGE_ROWS)
        starts: list[str | None] = [None, *ends]
        for after, upto in zip(starts, [*ends, None], strict=True):
            pages.append({"export_id": export_id, "part": len(pages) + 1, "section": section,
                          "after": after, "upto": upto})
    repo.start(export_id, len(pages))
    return {"export_id": export_id, "pages": pages}


def write_page(page: dict[str, Any]) -> dict[str, Any]:
    """One page of a section to its part file (JSON Lines); recorded once however often it runs."""
    export_id, part = str(page["export_id"]), int(page["part"])
    row = repo.export(export_id)
    if row is None or row["status"] != "running":
        raise errors.Invalid("No export of this id is running")
    items = repo.page(str(page["section"]), row["user_id"], page.get("after"), page.get("upto"),
                      PAGE_ROWS + 1)
    body = "".join(item + "\n" for item in items).encode()
    aws.client("s3", read_timeout=30).put_object(Bucket=_bucket(), Key=_part_key(export_id, part),
                                                 Body=body, ContentType="application/x-ndjson")
    repo.record_part(export_id, part, len(items))
    return {"part": part, "rows": len(items)}


def _rows(export_id: str, parts: list[int]) -> Iterator[str]:
    s3 = aws.client("s3", read_timeout=30)
    for part in parts:
        body = s3.get_object(Bucket=_bucket(), Key=_part_key(export_id, part))["Body"]
        for line in body.iter_lines():
            if line:
                yield line.decode()


def assemble(export_id: str, pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Stream the part files into the zip, mark the export ready, drop the parts, notify. A rerun
    after it was ready does nothing."""
    row = repo.export(export_id)
    if row is None or row["status"] not in ("running", "ready"):
        raise errors.Invalid("No export of this id is running")
    if row["status"] == "ready":
        return {"export_id": export_id, "status": "ready"}
    parts_of: dict[str, list[int]] = {}
    for page in pages:
        parts_of.setdefault(str(page["section"]), []).append(int(page["part"]))
    header = {"format": FORMAT, "user_id": row["user_id"], "export_id": export_id,
              "generated_at": _now().isoformat()}
    s3 = aws.client("s3", read_timeout=60)
    upload = export_archive.MultipartUpload(s3, _bucket(), _zip_key(export_id), "application/zip")
    try:
        export_archive.write_zip(upload, header,
                                 [(section, section in SINGLE) for section in SECTION_ORDER],
                                 lambda section: _rows(export_id, parts_of.get(section, [])))
        upload.complete()
    except BaseException:
        upload.abort()
        raise
    expires_at = _now() + LINK_VALID
    if repo.finish(export_id, _zip_key(export_id), upload.size, expires_at) is not None:
        _export_ready(row["user_id"], export_id, expires_at)
    _delete_parts(export_id, [int(page["part"]) for page in pages])
    observability.count("DataExportReady")
    return {"export_id": export_id, "status": "ready", "size_bytes": upload.size}


def _delete_parts(export_id: str, parts: list[int]) -> None:
    """The part files go once the zip holds them (the bucket's lifecycle rule sweeps any left)."""
    s3 = aws.client("s3")
    for start in range(0, len(parts), 1000):  # DeleteObjects takes 1,000 keys a call
        keys = [{"Key": _part_key(export_id, part)} for part in parts[start:start + 1000]]
        s3.delete_objects(Bucket=_bucket(), Delete={"Objects": keys, "Quiet": True})


def _export_ready(user_id: str, export_id: str, expires_at: dt.datetime) -> None:
    """Tell the user, once per export: a notification (stored, live or pushed by the consumer)
    and an email with the link. The zip is already kept, so a queue outage costs the email (logged
    and counted), not the export; the status route signs a fresh link at any time."""
    producer.notify("export_ready", user_id, None,
                    {"export_id": export_id, "expires_at": expires_at.isoformat()},
                    dedupe_key=f"export_ready:{export_id}")
    try:
        emails.enqueue("export_ready", to_user_id=user_id, context={
            "export_id": export_id, "expires_at": expires_at.strftime("%Y-%m-%d %H:%M UTC"),
            "download_url": download_url(_zip_key(export_id), expires_at)})
    except errors.Unavailable:
        observability.count("DataExportEmailFailed")


def delete_all_for_user(user_id: str) -> int:
    """Account deletion: every export's objects (the zip, part files left) and rows; how many
    exports there were. A rerun finds none and changes nothing."""
    export_ids = repo.ids_of_user(user_id)
    if not export_ids:
        return 0
    s3 = aws.client("s3", read_timeout=30)
    for export_id in export_ids:
        listed = s3.list_objects_v2(Bucket=_bucket(), Prefix=f"exports/{export_id}/", MaxKeys=1000)
        while keys := [{"Key": item["Key"]} for item in listed.get("Contents", [])]:
            s3.delete_objects(Bucket=_bucket(), Delete={"Objects": keys, "Quiet": True})
            if not listed.get("IsTruncated"):
                break
            listed = s3.list_objects_v2(Bucket=_bucket(), Prefix=f"exports/{export_id}/",
                                        MaxKeys=1000)
    return repo.delete(export_ids)


def fail(export_id: str) -> None:
    """The machine's catch: the export failed for good (the user may ask again at once)."""
    repo.mark_failed(export_id)
    observability.count("DataExportFailed")
