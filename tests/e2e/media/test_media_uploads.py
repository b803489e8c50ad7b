"""Media through the local cloud with real bytes: presigned POSTs the storage itself refuses when
oversized or retyped, processing that rejects a lying type and deletes it, images that become
ready with WebP variants, a blurhash and no EXIF/GPS (and a `media.ready` frame), multipart video,
media in posts and private chat, DELETE, the quota's 409, and bad input's 422s."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
import pytest
from PIL import Image

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e]
ORIGIN = "http://localhost:3000"


@pytest.fixture
def people(deployment: Deployment) -> Iterator[tuple[Member, Member, Member]]:
    with ExitStack() as stack:
        suffix = uuid.uuid4().hex[:8]
        yield (Member(deployment, stack, f"ann_{suffix}"), Member(deployment, stack, f"bob_{suffix}"),
               Member(deployment, stack, f"cat_{suffix}"))


def _api(member: Member, method: str, path: str, **options: Any) -> httpx.Response:
    with member.http() as client:
        return client.request(method, path, **options)


def _jpeg(width: int = 1600, height: int = 1200, gps: bool = True) -> bytes:
    """A JPEG with an orientation tag (rotate 90°) and a GPS position in its EXIF."""
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 40):  # stripes, so the encoders have something to encode
        image.paste((x % 255, 80, 160), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[0x0112] = 6
    if gps:
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def _sign(member: Member, purpose: str, content_type: str, size: int) -> dict[str, Any]:
    response = _api(member, "POST", "/v1/media/uploads",
                    json={"purpose": purpose, "content_type": content_type, "size": size,
                          "filename": "file.bin"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _post_form(upload: dict[str, Any], data: bytes, **overrides: str) -> httpx.Response:
    fields = {**upload["fields"], **overrides}
    return httpx.post(upload["url"], data=fields, files={"file": ("file.bin", data)},
                      headers={"origin": ORIGIN}, timeout=30)


def _uploaded(member: Member, purpose: str, content_type: str, data: bytes) -> str:
    signed = _sign(member, purpose, content_type, len(data))
    stored = _post_form(signed["upload"], data)
    assert stored.status_code == 204, stored.text
    return str(signed["media_id"])


def _settled(member: Member, media_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        body = dict(_api(member, "GET", f"/v1/media/{media_id}").json())
        return body if body["status"] != "pending" else None

    return eventually(probe, timeout=30)


def _object_exists(cloud_endpoint: str, bucket: str, key: str) -> bool:
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3", endpoint_url=cloud_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def test_an_image_becomes_ready_with_webp_variants_a_blurhash_and_no_exif(
        people: tuple[Member, Member, Member]) -> None:
    ann, _, _ = people
    socket = ann.socket()
    original = _jpeg()
    assert b"Exif" in original
    media_id = _uploaded(ann, "post", "image/jpeg", original)

    frame = json.loads(socket.recv(timeout=30))
    assert frame["type"] == "media.ready" and frame["media"]["id"] == media_id
    media = _settled(ann, media_id)
    assert media["status"] == "ready"
    # The orientation tag turned the 1600x1200 pixels upright: 1200 wide, 1600 high.
    assert (media["width"], media["height"]) == (1200, 1600)
    assert isinstance(media["blurhash"], str) and len(media["blurhash"]) >= 6
    for name, box in (("thumb", 256), ("medium", 1080)):
        fetched = httpx.get(media["variants"][name], timeout=10)  # public: the "CDN", unsigned
        assert fetched.status_code == 200
        variant = Image.open(io.BytesIO(fetched.content))
        assert variant.format == "WEBP" and max(variant.size) == box
    kept = httpx.get(media["variants"]["original"], timeout=10).content
    reread = Image.open(io.BytesIO(kept))
    assert reread.size == (1200, 1600)
    assert not reread.getexif() and b"Exif" not in kept
    listed = _api(ann, "GET", "/v1/media", params={"limit": 5}).json()
    assert listed["items"][0]["id"] == media_id


def test_the_storage_refuses_an_oversized_or_retyped_upload(
        people: tuple[Member, Member, Member]) -> None:
    ann, _, _ = people
    data = _jpeg(400, 300)
    signed = _sign(ann, "post", "image/jpeg", len(data) - 1)
    too_big = _post_form(signed["upload"], data)
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content

    retyped = _post_form(signed["upload"], data[:-1], **{"Content-Type": "text/html"})
    assert retyped.status_code == 403 and b"Policy Condition failed" in retyped.content
    other_key = _post_form(signed["upload"], data[:-1], key=f"public/{uuid.uuid4()}/x.jpg")
    assert other_key.status_code == 403
    forged = dict(signed["upload"]["fields"], **{"x-amz-signature": "0" * 64})
    refused = httpx.post(signed["upload"]["url"], data=forged,
                         files={"file": ("f", data[:-1])}, timeout=10)
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    media = _api(ann, "GET", f"/v1/media/{signed['media_id']}").json()
    assert media["status"] == "pending"  # nothing reached the bucket


def test_a_lying_type_is_rejected_by_processing_and_its_object_deleted(
        people: tuple[Member, Member, Member], main_cloud: Any) -> None:
    ann, _, _ = people
    lying = _uploaded(ann, "post", "image/jpeg", _png())  # PNG bytes declared as JPEG
    text = _uploaded(ann, "chat", "image/jpeg", b"just some text, named photo.jpg\n" * 20)
    for media_id, says in ((lying, "image/png"), (text, "no known type")):
        media = _settled(ann, media_id)
        assert media["status"] == "rejected" and says in media["reason"]
        assert media["variants"] == {"original": None, "thumb": None, "medium": None}
        bucket = main_cloud.cloud.stack.buckets["MediaBucket"].name
        assert not _object_exists(main_cloud.aws_endpoint, bucket, f"uploads/{media_id}")


def test_a_browser_preflight_and_post_from_an_allowed_origin_pass_cors(
        people: tuple[Member, Member, Member]) -> None:
    ann, _, _ = people
    data = _png()
    signed = _sign(ann, "avatar", "image/png", len(data))
    preflight = httpx.options(signed["upload"]["url"], headers={
        "origin": ORIGIN, "access-control-request-method": "POST"}, timeout=10)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in (ORIGIN, "*")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    stored = _post_form(signed["upload"], data)
    assert stored.status_code == 204
    assert stored.headers.get("access-control-allow-origin") in (ORIGIN, "*")


def test_a_post_with_a_ready_image_returns_its_variant_urls_and_refuses_others_media(
        people: tuple[Member, Member, Member]) -> None:
    ann, bob, _ = people
    media_id = _uploaded(ann, "post", "image/jpeg", _jpeg(800, 600, gps=False))
    assert _settled(ann, media_id)["status"] == "ready"

    created = _api(ann, "POST", "/v1/posts", json={"text": "look", "media_ids": [media_id]})
    assert created.status_code == 201, created.text
    shown = created.json()["media"][0]
    assert shown["id"] == media_id and (shown["width"], shown["height"]) == (600, 800)
    assert set(shown["variants"]) == {"original", "thumb", "medium"}
    seen = _api(bob, "GET", f"/v1/posts/{created.json()['id']}").json()
    assert seen["media"][0]["variants"]["thumb"] == shown["variants"]["thumb"]
    assert httpx.get(seen["media"][0]["variants"]["thumb"], timeout=10).status_code == 200
    home = _api(ann, "GET", "/v1/feed/home").json()["items"]
    assert [item["media"] for item in home if item["id"] == created.json()["id"]] == [[shown]]
    listed = _api(bob, "GET", f"/v1/users/{ann.username}/posts").json()["items"]
    assert listed[0]["media"][0]["id"] == media_id
    # Bob may see the post, so he may see the media attached to it.
    assert _api(bob, "GET", f"/v1/media/{media_id}").status_code == 200

    stolen = _api(bob, "POST", "/v1/posts", json={"text": "mine", "media_ids": [media_id]})
    assert stolen.status_code == 422
    assert stolen.headers["content-type"].startswith("application/problem+json")
    assert media_id in stolen.json()["detail"]
    pending = _sign(ann, "post", "image/png", 100)["media_id"]
    not_ready = _api(ann, "POST", "/v1/posts", json={"text": "x", "media_ids": [pending]})
    assert not_ready.status_code == 422 and pending in not_ready.json()["detail"]
    avatar = _api(ann, "PATCH", "/v1/users/me", json={"avatar_media_id": media_id})
    assert avatar.status_code == 422  # uploaded for a post, not an avatar


def test_an_avatar_shows_on_the_profile(people: tuple[Member, Member, Member]) -> None:
    ann, bob, _ = people
    media_id = _uploaded(ann, "avatar", "image/png", _png())
    assert _settled(ann, media_id)["status"] == "ready"
    changed = _api(ann, "PATCH", "/v1/users/me", json={"avatar_media_id": media_id})
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["avatar"]["id"] == media_id
    assert _api(ann, "GET", "/v1/auth/me").json()["user"]["avatar"]["id"] == media_id
    profile = _api(bob, "GET", f"/v1/users/{ann.username}").json()
    assert profile["avatar"]["variants"]["thumb"].endswith(f"public/{media_id}/thumb.webp")


def test_a_private_chat_image_is_reachable_only_by_members(
        people: tuple[Member, Member, Member]) -> None:
    ann, bob, cat = people
    media_id = _uploaded(ann, "chat", "image/jpeg", _jpeg(640, 480))
    assert _settled(ann, media_id)["status"] == "ready"
    conversation = _api(ann, "POST", "/v1/conversations",
                        json={"usernames": [bob.username]}).json()["id"]
    sent = _api(ann, "POST", f"/v1/conversations/{conversation}/messages",
                json={"client_msg_id": "m1", "text": "photo", "media_ids": [media_id]})
    assert sent.status_code == 201, sent.text
    assert sent.json()["media"][0]["id"] == media_id

    history = _api(bob, "GET", f"/v1/conversations/{conversation}/messages").json()["items"]
    signed_url = history[0]["media"][0]["variants"]["medium"]
    assert "X-Amz-Signature=" in signed_url
    assert httpx.get(signed_url, timeout=10).status_code == 200
    unsigned = signed_url.split("?", 1)[0]
    assert httpx.get(unsigned, timeout=10).status_code == 403
    tampered = signed_url.replace("X-Amz-Expires=900", "X-Amz-Expires=90000")
    assert httpx.get(tampered, timeout=10).status_code == 403
    assert _api(bob, "GET", f"/v1/media/{media_id}").status_code == 200
    assert _api(cat, "GET", f"/v1/media/{media_id}").status_code == 404


def test_websocket_message_send_carries_media_and_refuses_anothers(
        people: tuple[Member, Member, Member]) -> None:
    ann, bob, _ = people
    mine = _uploaded(ann, "chat", "image/png", _png())
    theirs = _uploaded(bob, "chat", "image/png", _png())
    assert _settled(ann, mine)["status"] == _settled(bob, theirs)["status"] == "ready"
    conversation = _api(ann, "POST", "/v1/conversations",
                        json={"usernames": [bob.username]}).json()["id"]
    socket = ann.socket()
    socket.send(json.dumps({"action": "message.send", "conversation_id": conversation,
                            "client_msg_id": "ws-1", "text": "pic", "media_ids": [mine]}))
    ack = json.loads(socket.recv(timeout=15))
    assert ack["type"] == "message.ack" and ack["message"]["media"][0]["id"] == mine
    socket.send(json.dumps({"action": "message.send", "conversation_id": conversation,
                            "client_msg_id": "ws-2", "text": "stolen", "media_ids": [theirs]}))
    refused = json.loads(socket.recv(timeout=15))
    assert refused["type"] == "error" and refused["status"] == 422 and theirs in refused["detail"]


def test_delete_removes_the_media_and_its_variants(people: tuple[Member, Member, Member]) -> None:
    ann, bob, _ = people
    media_id = _uploaded(ann, "post", "image/png", _png())
    media = _settled(ann, media_id)
    assert _api(bob, "DELETE", f"/v1/media/{media_id}").status_code == 404
    assert _api(ann, "DELETE", f"/v1/media/{media_id}").status_code == 204
    assert _api(ann, "GET", f"/v1/media/{media_id}").status_code == 404
    assert httpx.get(media["variants"]["thumb"], timeout=10).status_code == 404
    assert _api(ann, "DELETE", f"/v1/media/{media_id}").status_code == 404


def test_a_video_uploads_in_parts_and_becomes_ready(people: tuple[Member, Member, Member]) -> None:
    ann, _, _ = people
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * (11 * 1024 * 1024)
    signed = _sign(ann, "video", "video/mp4", len(video))
    assert signed["multipart"] is True and signed["upload"] is None
    part_size = signed["part_size"]
    chunks = [video[i:i + part_size] for i in range(0, len(video), part_size)]
    urls = _api(ann, "POST", f"/v1/media/uploads/{signed['media_id']}/parts",
                json={"part_numbers": list(range(1, len(chunks) + 1))}).json()["parts"]
    parts = []
    for part, chunk in zip(urls, chunks, strict=True):
        put = httpx.put(part["url"], content=chunk, timeout=60)
        assert put.status_code == 200, put.text
        parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
    done = _api(ann, "POST", f"/v1/media/uploads/{signed['media_id']}/complete",
                json={"parts": parts})
    assert done.status_code == 200, done.text
    media = _settled(ann, signed["media_id"])
    assert media["status"] == "ready" and media["size"] == len(video)
    assert "X-Amz-Signature=" in media["variants"]["original"]  # video is private


def test_an_upload_past_the_quota_is_409(people: tuple[Member, Member, Member],
                                         stores: EmbeddedStores) -> None:
    ann, _, _ = people
    with psycopg.connect(stores.database_url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO media (owner_id, purpose, status, content_type, declared_size, size,"
            " upload_key) VALUES (%s, 'post', 'ready', 'image/png', %s, %s, %s)",
            (ann.id, 1024 ** 3 - 1000, 1024 ** 3 - 1000, f"uploads/{uuid.uuid4()}"))
    over = _api(ann, "POST", "/v1/media/uploads",
                json={"purpose": "post", "content_type": "image/png", "size": 5000})
    assert over.status_code == 409
    assert over.headers["content-type"].startswith("application/problem+json")
    assert _api(ann, "POST", "/v1/media/uploads",
                json={"purpose": "post", "content_type": "image/png", "size": 500}).status_code == 201


@pytest.mark.parametrize(("body", "field"), [
    ({"purpose": "post", "content_type": "image/jpeg", "size": 10 * 1024 * 1024 + 1}, "body.size"),
    ({"purpose": "avatar", "content_type": "image/png", "size": 5 * 1024 * 1024 + 1}, "body.size"),
    ({"purpose": "post", "content_type": "application/pdf", "size": 100}, "body.content_type"),
    ({"purpose": "document", "content_type": "image/png", "size": 100}, "body.content_type"),
    ({"purpose": "wallpaper", "content_type": "image/png", "size": 100}, "body.purpose"),
    ({"purpose": "post", "content_type": "image/png", "size": 0}, "body.size"),
    ({"purpose": "post", "content_type": "image/png"}, "body.size"),
])
def test_bad_upload_requests_are_422_before_anything_is_signed(
        people: tuple[Member, Member, Member], body: dict[str, Any], field: str) -> None:
    ann, _, _ = people
    response = _api(ann, "POST", "/v1/media/uploads", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {error["field"] for error in response.json()["errors"]}


def test_unknown_or_malformed_media_ids_are_404(people: tuple[Member, Member, Member]) -> None:
    ann, _, _ = people
    assert _api(ann, "GET", "/v1/media/not-a-uuid").status_code == 404
    assert _api(ann, "GET", f"/v1/media/{uuid.uuid4()}").status_code == 404
    assert _api(ann, "POST", f"/v1/media/uploads/{uuid.uuid4()}/parts",
                json={"part_numbers": [1]}).status_code == 404
