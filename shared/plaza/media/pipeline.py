"""What processing makes of an upload's bytes: re-encoded images (metadata gone, orientation
applied) with WebP variants and a blurhash, a PDF's page count. Pure: bytes in, bytes out.

Re-encoding is what strips EXIF and GPS: Pillow writes only the pixels it decoded (no `exif=`
passed), after `exif_transpose` has turned the orientation tag into the pixels' own rotation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

THUMB_PX = 256
MEDIUM_PX = 1080
# Decompression bombs: 10 MB of file may claim billions of pixels. 50 MP covers phone cameras.
MAX_PIXELS = 50_000_000
_BLURHASH_PX = 32  # blurhash reads a small copy: its cost is per pixel, its output the same

# How the original is written again, per sniffed type: its format, extension and content type.
# A HEIC photo (an iPhone's) is kept as a JPEG: browsers other than Safari cannot show HEIC.
_ORIGINAL_FORMATS = {"image/jpeg": ("JPEG", "jpg", "image/jpeg"),
                     "image/png": ("PNG", "png", "image/png"),
                     "image/webp": ("WEBP", "webp", "image/webp"),
                     "image/gif": ("GIF", "gif", "image/gif"),
                     "image/heic": ("JPEG", "jpg", "image/jpeg")}


class Undecodable(ValueError):
    """The bytes are not a file of the type they were sniffed as."""


@dataclass
class Outcome:
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    pages: int | None = None
    # variant name -> (bytes, content type, extension)
    variants: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)


def process_image(data: bytes, content_type: str) -> Outcome:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    if content_type == "image/heic":
        _open_heif()
    if content_type not in _ORIGINAL_FORMATS:
        raise Undecodable(f"{content_type} images cannot be decoded here")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse before decoding.
            if opened.width * opened.height > MAX_PIXELS:
                raise Undecodable(f"{opened.width}x{opened.height} is over {MAX_PIXELS} pixels")
            opened.load()
            animated = content_type == "image/gif" and getattr(opened, "is_animated", False)
            if animated:
                original = _reencoded_gif(opened)
                opened.seek(0)
            image = ImageOps.exif_transpose(opened.convert("RGBA") if opened.mode in (
                "P", "LA", "PA") else opened)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise Undecodable(f"not a decodable image: {error}") from None
    assert image is not None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    image_format, extension, original_type = _ORIGINAL_FORMATS[content_type]
    if not animated:
        original = _encoded(image, image_format)
    # Each smaller size from the one above it: resampling 12 MP once, not three times.
    medium = _reduced(image, MEDIUM_PX)
    thumb = _reduced(medium, THUMB_PX)
    return Outcome(
        width=image.width, height=image.height, blurhash=_blurhash(thumb),
        variants={
            "original": (original, original_type, extension),
            "thumb": (_webp(thumb), "image/webp", "webp"),
            "medium": (_webp(medium), "image/webp", "webp"),
        })


def _open_heif() -> None:
    """Teach Pillow HEIC/HEIF (libheif through pillow-heif), once, only where one arrives."""
    # lazy: libheif is loaded by the first HEIC upload, not by every processing container
    import pillow_heif

    pillow_heif.register_heif_opener()


def _encoded(image: Any, image_format: str) -> bytes:
    out = io.BytesIO()
    if image_format == "JPEG":
        # No `optimize`: its second Huffman pass doubled the encode of a 12 MP photo (`make bench`).
        image.convert("RGB").save(out, "JPEG", quality=88)
    elif image_format == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, image_format)
    return out.getvalue()


def _reencoded_gif(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "GIF", save_all=True, loop=image.info.get("loop", 0))
    return out.getvalue()


def _reduced(image: Any, box: int) -> Any:
    """A copy fitting in box x box (never enlarged); JPEG-style reduction first, then Lanczos."""
    copy = image.copy() if max(image.size) <= box else image.resize(
        _fit(image.size, box), reducing_gap=2.0)
    return copy


def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    width, height = size
    scale = box / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _webp(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=3)
    return out.getvalue()


def _blurhash(image: Any) -> str:
    import blurhash

    small = image.convert("RGB")
    small.thumbnail((_BLURHASH_PX, _BLURHASH_PX))
    pixels = list(small.get_flattened_data())
    rows = [[list(pixels[y * small.width + x]) for x in range(small.width)]
            for y in range(small.height)]
    return str(blurhash.encode(rows, components_x=4, components_y=3))


def process_pdf(data: bytes) -> Outcome:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise Undecodable(f"not a readable PDF: {error}") from None
    if pages < 1:
        raise Undecodable("the PDF has no pages")
    return Outcome(pages=pages, variants={"original": (data, "application/pdf", "pdf")})
