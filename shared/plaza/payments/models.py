"""What the payments routes accept and return."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

MAX_TRANSFER = 1_000_000


class TransferIn(BaseModel):
    """The body of POST /v1/wallet/transfers: coins to another user, by username."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=30)
    amount: int = Field(gt=0, le=MAX_TRANSFER)


class TransferOut(BaseModel):
    id: str
    to_user_id: str
    amount: int
    balance: int
    created_at: dt.datetime


class WalletOut(BaseModel):
    balance: int


class EntryOut(BaseModel):
    id: str
    transfer_id: str
    amount: int
    created_at: dt.datetime


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None


class SubscriptionOut(BaseModel):
    plan: str
    status: str
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    active: bool
