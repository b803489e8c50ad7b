"""The media service on the real Postgres with S3 in moto: processing decides by the bytes and
runs once under redelivery, quota, attachments checked and shown, cleanup, and deleting a user's
media (objects, variants, rows) idempotently."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from plaza import config, errors
from plaza.media import service, storage
from plaza.media.models import UploadIn
from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["make_user"]
BUCKET = "plaza-test-media"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("MEDIA_BUCKET", BUCKET)
    monkeypatch.setenv("MEDIA_CDN_URL", "cdn.example.com")
    config.reset_settings()
    storage.reset()
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
    storage.reset()
    config.reset_settings()


def _jpeg(size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, "JPEG")
    return out.getvalue()


def _uploaded(s3: object, owner: str, data: bytes, purpose: str = "post",
              content_type: str = "image/jpeg") -> str:
    signed = service.create_upload(owner, UploadIn(purpose=purpose, content_type=content_type,
                                                   size=len(data)))
    s3.put_object(Bucket=BUCKET, Key=f"uploads/{signed.media_id}", Body=data)  # type: ignore[attr-defined]
    return signed.media_id


def _keys(s3: object) -> set[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET)  # type: ignore[attr-defined]
    return {item["Key"] for item in listed.get("Contents", [])}


def test_an_image_is_processed_once_whatever_the_redeliveries(make_user: MakeUser,
                                                              s3: object) -> None:
    ann = make_user("ann")
    media_id = _uploaded(s3, ann, _jpeg())
    assert service.process_upload(f"uploads/{media_id}") == "ready"
    assert service.process_upload(f"uploads/{media_id}") == "done-already"
    assert _keys(s3) == {f"public/{media_id}/original.jpg", f"public/{media_id}/thumb.webp",
                         f"public/{media_id}/medium.webp"}
    media = service.get_media(ann, media_id)
    assert (media.status, media.width, media.height) == ("ready", 300, 200)
    assert media.variants.thumb == f"https://cdn.example.com/public/{media_id}/thumb.webp"


def test_a_mismatch_is_rejected_and_deleted_and_a_chat_image_is_private(make_user: MakeUser,
                                                                       s3: object) -> None:
    ann = make_user("ann")
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    lying = _uploaded(s3, ann, png.getvalue())
    assert service.process_upload(f"uploads/{lying}") == "rejected"
    assert "image/png" in (service.get_media(ann, lying).reason or "")
    chat = _uploaded(s3, ann, _jpeg(), purpose="chat")
    assert service.process_upload(f"uploads/{chat}") == "ready"
    assert _keys(s3) == {f"private/{chat}/original.jpg", f"private/{chat}/thumb.webp",
                         f"private/{chat}/medium.webp"}
    assert "X-Amz-Signature=" in (service.get_media(ann, chat).variants.medium or "")


def test_attachments_take_only_the_owners_ready_media_of_the_purpose(make_user: MakeUser,
                                                                    s3: object) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    ready = _uploaded(s3, ann, _jpeg())
    service.process_upload(f"uploads/{ready}")
    pending = _uploaded(s3, ann, _jpeg())
    service.require_attachable(ann, [ready], "post")
    for owner, ids, purpose in ((bob, [ready], "post"), (ann, [ready, pending], "post"),
                                (ann, [ready], "avatar"), (ann, ["nonsense"], "post")):
        with pytest.raises(errors.Invalid) as refused:
            service.require_attachable(owner, ids, purpose)
        assert refused.value.errors[0]["media_id"] == ids[-1]
    # Bob sees it only once it is attached to something he may see.
    with pytest.raises(errors.NotFound):
        service.get_media(bob, ready)
    service.attach([ready], "avatar", ann)
    assert service.get_media(bob, ready).id == ready
    assert [m.id for m in service.attached_media([pending, ready])] == [ready]


def test_the_quota_counts_ready_and_pending_media(make_user: MakeUser, s3: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ann = make_user("ann")
    monkeypatch.setenv("MEDIA_QUOTA_BYTES", "3000")
    config.reset_settings()
    service.create_upload(ann, UploadIn(purpose="post", content_type="image/png", size=2000))
    with pytest.raises(errors.Conflict):
        service.create_upload(ann, UploadIn(purpose="post", content_type="image/png", size=1001))
    service.create_upload(ann, UploadIn(purpose="post", content_type="image/png", size=1000))


def test_cleanup_removes_only_media_never_attached_within_a_day(make_user: MakeUser,
                                                               s3: object) -> None:
    ann = make_user("ann")
    kept, dropped = _uploaded(s3, ann, _jpeg()), _uploaded(s3, ann, _jpeg())
    for media_id in (kept, dropped):
        service.process_upload(f"uploads/{media_id}")
    service.attach([kept], "post", "some-post")
    db.execute("UPDATE media SET created_at = created_at - interval '25 hours'")
    assert service.cleanup_unattached() == 1
    assert service.cleanup_unattached(dt.datetime.now(dt.UTC)) == 0
    assert {m.id for m in service.media_of_user(ann).items} == {kept}
    assert all(key.split("/")[1] == kept for key in _keys(s3))


def test_deleting_all_of_a_users_media_is_idempotent(make_user: MakeUser, s3: object) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    for _ in range(3):
        service.process_upload(f"uploads/{_uploaded(s3, ann, _jpeg())}")
    bobs = _uploaded(s3, bob, _jpeg())
    service.process_upload(f"uploads/{bobs}")
    assert service.delete_all_for_user(ann) == 3
    assert service.delete_all_for_user(ann) == 0
    assert all(key.split("/")[1] == bobs for key in _keys(s3))
    assert [m.id for m in service.media_of_user(bob).items] == [bobs]
