"""Media's objects in S3: where each lives, the presigned POST / part / GET URLs, reads and deletes.

Layout: `uploads/{id}` is what the client uploads (never served; deleted once processed, and
expired by the bucket's lifecycle if it never is); processing writes `public/{id}/...` for the
purposes anyone may see (avatars, posts: served by the CDN, whose access control reaches only
`public/`) and `private/{id}/...` for the others (chat, documents, video: signed GETs only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza import errors
from plaza.config import settings

PUBLIC_PURPOSES = frozenset({"avatar", "post"})
UPLOAD_EXPIRES_S = 15 * 60
SIGNED_GET_EXPIRES_S = 15 * 60

_client: Any = None


def s3() -> Any:
    """This container's S3 client: SigV4 (presigned POSTs and GETs), a longer read timeout than
    the store default (a 100 MB multipart completion, a 10 MB image)."""
    global _client
    if _client is None:
        # lazy: boto3 is ~0.2 s of cold start, paid only by the media functions
        import boto3
        from botocore.config import Config

        _client = boto3.client("s3", config=Config(
            signature_version="s3v4", connect_timeout=2, read_timeout=30,
            retries={"total_max_attempts": 3}))
    return _client


def reset() -> None:
    """Drop the client (tests switch endpoints between cases)."""
    global _client
    _client = None


def bucket() -> str:
    name = settings().media_bucket
    if not name:
        from plaza.config import ConfigurationError

        raise ConfigurationError("MEDIA_BUCKET is not set")
    return name


def upload_key(media_id: str) -> str:
    return f"uploads/{media_id}"


def variant_key(media_id: str, purpose: str, name: str, extension: str) -> str:
    area = "public" if purpose in PUBLIC_PURPOSES else "private"
    return f"{area}/{media_id}/{name}.{extension}"


def presigned_post(key: str, content_type: str, size: int) -> tuple[dict[str, Any], dt.datetime]:
    """A POST whose policy pins the key, the exact Content-Type and 1..size bytes."""
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=UPLOAD_EXPIRES_S)
    post = s3().generate_presigned_post(
        bucket(), key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=UPLOAD_EXPIRES_S)
    return {"url": post["url"], "fields": post["fields"]}, expires_at


def start_multipart(key: str, content_type: str) -> str:
    return str(s3().create_multipart_upload(Bucket=bucket(), Key=key,
                                            ContentType=content_type)["UploadId"])


def part_url(key: str, upload_id: str, part_number: int) -> str:
    return str(s3().generate_presigned_url("upload_part", Params={
        "Bucket": bucket(), "Key": key, "UploadId": upload_id, "PartNumber": part_number},
        ExpiresIn=UPLOAD_EXPIRES_S))


def complete_multipart(key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    from botocore.exceptions import ClientError

    try:
        s3().complete_multipart_upload(
            Bucket=bucket(), Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag}
                                       for number, etag in sorted(parts)]})
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload"):
            raise errors.Invalid(f"The parts do not complete the upload ({code})", errors=[{
                "field": "body.parts", "type": "invalid_parts", "message": code}]) from None
        raise


def head(key: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return dict(s3().head_object(Bucket=bucket(), Key=key))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def read(key: str, first: int | None = None) -> bytes:
    options: dict[str, Any] = {"Bucket": bucket(), "Key": key}
    if first is not None:
        options["Range"] = f"bytes=0-{first - 1}"
    return bytes(s3().get_object(**options)["Body"].read())


def write(key: str, data: bytes, content_type: str) -> None:
    s3().put_object(Bucket=bucket(), Key=key, Body=data, ContentType=content_type,
                    CacheControl="public, max-age=31536000, immutable")


def copy(source: str, key: str, content_type: str) -> None:
    s3().copy_object(Bucket=bucket(), Key=key, CopySource={"Bucket": bucket(), "Key": source},
                     ContentType=content_type, MetadataDirective="REPLACE")


def delete(keys: list[str]) -> None:
    """Delete the objects (a missing one is no error: deleting is idempotent)."""
    for start in range(0, len(keys), 1000):  # DeleteObjects' limit
        chunk = keys[start:start + 1000]
        if chunk:
            s3().delete_objects(Bucket=bucket(), Delete={
                "Objects": [{"Key": key} for key in chunk], "Quiet": True})


def abort_multipart(key: str, upload_id: str) -> None:
    import contextlib

    from botocore.exceptions import ClientError

    # Gone already is no error; the lifecycle rule aborts what is left after a day.
    with contextlib.suppress(ClientError):
        s3().abort_multipart_upload(Bucket=bucket(), Key=key, UploadId=upload_id)


def url(key: str, purpose: str) -> str:
    """Where a client reads the object: the CDN for public purposes, a 15-minute signed GET for
    the others."""
    if purpose in PUBLIC_PURPOSES:
        return f"{_cdn_base()}/{key}"
    return str(s3().generate_presigned_url("get_object", Params={"Bucket": bucket(), "Key": key},
                                           ExpiresIn=SIGNED_GET_EXPIRES_S))


def _cdn_base() -> str:
    """The CDN's base URL. Unset (the local cloud), the bucket on the S3 endpoint, path-style:
    the local S3 serves `public/` to anyone, as the distribution does on AWS."""
    import os

    cdn = settings().media_cdn_url.rstrip("/")
    if cdn:
        return cdn if "://" in cdn else f"https://{cdn}"
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{bucket()}"
    return f"https://{bucket()}.s3.amazonaws.com"
