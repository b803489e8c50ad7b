"""The export's zip, written as it streams: part files in, one S3 multipart upload out.

zipfile writes to a stream it cannot seek (sizes go in data descriptors after each entry), so the
zip is never whole in memory: its bytes fill one buffer of PART_BYTES that goes up as an upload
part (S3 wants every part but the last to be at least 5 MiB), and each page's part file is read
line by line from S3. Memory stays about one buffer and one line, whatever the user's history.
"""

from __future__ import annotations

import html
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

PART_BYTES = 8 * 1024 * 1024


class MultipartUpload:
    """A write-only, unseekable file whose bytes become the parts of one S3 multipart upload."""

    def __init__(self, s3: Any, bucket: str, key: str, content_type: str) -> None:
        self._s3, self._bucket, self._key = s3, bucket, key
        self._upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key,
                                                     ContentType=content_type)["UploadId"]
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= PART_BYTES:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        """zipfile flushes after each entry; parts go up only when full (S3's 5 MiB minimum)."""

    def close(self) -> None:
        """zipfile closes its file; the upload ends only by complete() or abort()."""

    def _send(self, body: bytes) -> None:
        number = len(self._parts) + 1
        etag = self._s3.upload_part(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                                    PartNumber=number, Body=body)["ETag"]
        self._parts.append({"ETag": etag, "PartNumber": number})

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        self._s3.complete_multipart_upload(Bucket=self._bucket, Key=self._key,
                                           UploadId=self._upload_id,
                                           MultipartUpload={"Parts": self._parts})

    def abort(self) -> None:
        self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)


def write_zip(target: MultipartUpload, header: dict[str, Any],
              sections: Iterable[tuple[str, bool]], pages_of: Callable[[str], Iterator[str]]) -> None:
    """export.json (the header's fields, then each section) and index.html (the same, readable,
    every value escaped). `pages_of(name)` yields the section's rows, each a JSON text, in order;
    it is called once per entry, so the rows are read twice and never held."""
    sections = list(sections)
    with zipfile.ZipFile(target, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("export.json", mode="w") as entry:
            entry.write(json.dumps(header, ensure_ascii=False)[:-1].encode())
            for name, single in sections:
                entry.write(f", {json.dumps(name)}: ".encode())
                if single:
                    entry.write((next(iter(pages_of(name)), None) or "null").encode())
                    continue
                entry.write(b"[")
                for number, item in enumerate(pages_of(name)):
                    entry.write((",\n" if number else "\n").encode() + item.encode())
                entry.write(b"]")
            entry.write(b"}\n")
        with archive.open("index.html", mode="w") as entry:
            entry.write(_html_head(header).encode())
            for name, _single in sections:
                entry.write(f"<section id=\"{html.escape(name)}\"><h2>{html.escape(name.title())}"
                            "</h2>\n".encode())
                count = 0
                for item in pages_of(name):
                    entry.write(_html_item(json.loads(item)).encode())
                    count += 1
                if not count:
                    entry.write(b"<p class=\"none\">Nothing here.</p>\n")
                entry.write(b"</section>\n")
            entry.write(b"</body>\n</html>\n")


def _html_head(header: dict[str, Any]) -> str:
    facts = "".join(f"<dt>{html.escape(str(key))}</dt><dd>{html.escape(str(value))}</dd>"
                    for key, value in header.items())
    return ("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            "<title>Your Plaza data</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;"
            "max-width:60rem;margin:2rem auto;padding:0 1rem}dl.item{border-top:1px solid #ddd;"
            "padding:.5rem 0;margin:0;display:grid;grid-template-columns:12rem 1fr}dt{color:#555}"
            "dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}</style></head>\n<body>\n"
            f"<h1>Your Plaza data</h1>\n<dl class=\"item\">{facts}</dl>\n"
            "<p>The same data, for machines, is export.json in this archive.</p>\n")


def _html_item(item: dict[str, Any]) -> str:
    cells = []
    for key, value in item.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        cells.append(f"<dt>{html.escape(key)}</dt><dd>{html.escape(shown)}</dd>")
    return f"<dl class=\"item\">{''.join(cells)}</dl>\n"
