"""What each purpose accepts, and a file's type told from its bytes (never its name or header)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from plaza import errors
from plaza.config import reset_settings
from plaza.media import limits, pipeline


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEDIA_AVATAR_MAX_BYTES", "MEDIA_IMAGE_MAX_BYTES", "MEDIA_VIDEO_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()


def _image(image_format: str, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, image_format)
    return out.getvalue()


@pytest.mark.parametrize(("purpose", "content_type", "size"), [
    ("avatar", "image/png", 5 * 1024 * 1024),
    ("post", "image/jpeg", 10 * 1024 * 1024),
    ("chat", "image/webp", 1),
    ("document", "application/pdf", 10 * 1024 * 1024),
    ("video", "video/mp4", 100 * 1024 * 1024),
])
def test_each_purpose_takes_its_types_up_to_its_limit(purpose: str, content_type: str,
                                                      size: int) -> None:
    limits.check_upload(purpose, content_type, size)


@pytest.mark.parametrize(("purpose", "content_type", "size", "field"), [
    ("avatar", "image/png", 5 * 1024 * 1024 + 1, "body.size"),
    ("post", "image/jpeg", 10 * 1024 * 1024 + 1, "body.size"),
    ("post", "application/pdf", 10, "body.content_type"),
    ("document", "image/png", 10, "body.content_type"),
    ("chat", "image/svg+xml", 10, "body.content_type"),
    ("video", "video/mp4", 100 * 1024 * 1024 + 1, "body.size"),
])
def test_a_type_or_size_the_purpose_refuses_is_422_naming_the_field(
        purpose: str, content_type: str, size: int, field: str) -> None:
    with pytest.raises(errors.Invalid) as raised:
        limits.check_upload(purpose, content_type, size)
    assert raised.value.errors[0]["field"] == field


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_AVATAR_MAX_BYTES", "100")
    reset_settings()
    with pytest.raises(errors.Invalid):
        limits.check_upload("avatar", "image/png", 101)


def test_only_video_past_ten_megabytes_goes_in_parts() -> None:
    assert limits.is_multipart("video", 10 * 1024 * 1024 + 1)
    assert not limits.is_multipart("video", 10 * 1024 * 1024)
    assert not limits.is_multipart("post", 10 * 1024 * 1024 + 1)  # refused anyway


@pytest.mark.parametrize(("data", "expected"), [
    (_image("JPEG"), "image/jpeg"), (_image("PNG"), "image/png"), (_image("WEBP"), "image/webp"),
    (_image("GIF"), "image/gif"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
    (b"just text, though the name says photo.jpg", None),
])
def test_the_type_is_read_from_the_first_bytes(data: bytes, expected: str | None) -> None:
    assert limits.sniffed_type(data[:limits.SNIFF_BYTES]) == expected


def test_reencoding_applies_the_orientation_and_drops_exif_and_gps() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}
    out = io.BytesIO()
    Image.new("RGB", (2000, 1000), (0, 120, 255)).save(out, "JPEG", exif=exif)
    result = pipeline.process_image(out.getvalue(), "image/jpeg")
    assert (result.width, result.height) == (1000, 2000)
    original = Image.open(io.BytesIO(result.variants["original"][0]))
    assert original.size == (1000, 2000) and not original.getexif()
    thumb = Image.open(io.BytesIO(result.variants["thumb"][0]))
    medium = Image.open(io.BytesIO(result.variants["medium"][0]))
    assert thumb.format == medium.format == "WEBP"
    assert thumb.size == (128, 256) and medium.size == (540, 1080)
    assert result.blurhash and len(result.blurhash) == 6 + 2 * (4 * 3 - 1)  # 4x3 components


def test_a_heic_photo_is_decoded_and_kept_as_a_jpeg_without_its_gps() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 30, 30)).save(out, "HEIF", exif=exif.tobytes())
    data = out.getvalue()
    assert limits.sniffed_type(data[:limits.SNIFF_BYTES]) == "image/heic"
    result = pipeline.process_image(data, "image/heic")
    assert (result.width, result.height) == (1600, 1200)
    body, content_type, extension = result.variants["original"]
    original = Image.open(io.BytesIO(body))
    assert (content_type, extension, original.format) == ("image/jpeg", "jpg", "JPEG")
    assert not original.getexif()
    assert Image.open(io.BytesIO(result.variants["medium"][0])).size == (1080, 810)


def test_a_small_image_is_not_enlarged() -> None:
    result = pipeline.process_image(_image("PNG", (100, 50)), "image/png")
    assert Image.open(io.BytesIO(result.variants["medium"][0])).size == (100, 50)


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0 truncated", _image("PNG")[:40]])
def test_undecodable_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(pipeline.Undecodable):
        pipeline.process_image(data, "image/jpeg")


def test_a_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # 100 MP in a few kilobytes
    with pytest.raises(pipeline.Undecodable):
        pipeline.process_image(out.getvalue(), "image/png")


def test_a_pdf_is_counted_and_garbage_is_refused() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    assert pipeline.process_pdf(out.getvalue()).pages == 2
    with pytest.raises(pipeline.Undecodable):
        pipeline.process_pdf(b"%PDF-1.7\nthis is not a pdf body")
