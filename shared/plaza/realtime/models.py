"""Presence snapshot in and out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_PRESENCE_USERS = 100


class PresenceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Comma-separated ids in the query string: `?user_ids=a,b,c`.
    user_ids: list[str] = Field(min_length=1, max_length=MAX_PRESENCE_USERS)

    @field_validator("user_ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        return value

    @field_validator("user_ids")
    @classmethod
    def _bounded(cls, value: list[str]) -> list[str]:
        if any(len(user_id) > 64 for user_id in value):
            raise ValueError("user ids are at most 64 characters")
        return value


class PresenceItem(BaseModel):
    user_id: str
    online: bool


class PresenceOut(BaseModel):
    items: list[PresenceItem]
