"""Media's request and response shapes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plaza.media.limits import Purpose

Status = Literal["pending", "ready", "rejected"]


class UploadIn(BaseModel):
    """POST /v1/media/uploads: what the client is about to upload."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(gt=0, description="bytes; the storage refuses a file larger than this")
    filename: str | None = Field(None, min_length=1, max_length=255)


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str]


class UploadOut(BaseModel):
    media_id: str
    # A presigned POST (form fields, then the file); null for a multipart upload, whose parts
    # are signed by POST /v1/media/uploads/{id}/parts.
    upload: PresignedPost | None
    multipart: bool = False
    part_size: int | None = None
    expires_at: dt.datetime


class PartsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_numbers: list[int] = Field(min_length=1, max_length=100)


class PartUrl(BaseModel):
    part_number: int
    url: str


class PartsOut(BaseModel):
    parts: list[PartUrl]
    expires_at: dt.datetime


class CompletedPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_number: int = Field(ge=1, le=10000)
    etag: str = Field(min_length=1, max_length=200)


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parts: list[CompletedPart] = Field(min_length=1, max_length=100)


class Variants(BaseModel):
    original: str | None = None
    thumb: str | None = None
    medium: str | None = None


class MediaOut(BaseModel):
    id: str
    status: Status
    purpose: Purpose
    content_type: str
    size: int
    filename: str | None
    width: int | None
    height: int | None
    blurhash: str | None
    pages: int | None = None
    reason: str | None = None
    variants: Variants
    created_at: dt.datetime


class MediaPage(BaseModel):
    items: list[MediaOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
