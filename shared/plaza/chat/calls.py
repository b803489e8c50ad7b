"""Audio and video calls in a conversation: a member starts one and gets a provider token; the
other members (those with no block between them and the caller) get `call.incoming` on their
sockets, or a push when none is open; they accept (and get their token), decline, or end it. A
call nobody answers within the ring timeout ends as missed (the call_ring state machine waits and
calls `ring_timeout`) and the members rung are notified. Every change is guarded by the state it
leaves, so a repeated frame or a late timeout changes nothing.

Frames, to every participant: `call.incoming` {call}, `call.accepted` {call_id, user_id},
`call.declined` {call_id, user_id}, `call.ended` {call}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from typing import Any

from plaza import errors, idempotency, observability
from plaza.chat import call_tokens, calls_repo, repo
from plaza.chat.call_models import CallIn, CallOut, CallPage, CallToken
from plaza.config import settings
from plaza.ids import as_uuid
from plaza.models import PageQuery
from plaza.notifications.producer import notify
from plaza.pagination import decode_cursor, page_of
from plaza.social import repo as social_repo
from plaza.stores import aws

# A token outlives any reasonable call; the provider ends the channel's use when it expires.
TOKEN_LIFETIME = dt.timedelta(hours=4)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _member_conversation(user_id: str, conversation_id: str) -> dict[str, Any]:
    conversation = as_uuid(conversation_id)
    row = repo.conversation(conversation) if conversation else None
    if row is None or user_id not in row["member_ids"]:
        raise errors.NotFound("No such conversation")
    return row


def _token(call: dict[str, Any], uid: int) -> CallToken:
    provider = call_tokens.provider()
    expires_at = (_now() + TOKEN_LIFETIME).replace(microsecond=0)
    return CallToken(call_id=call["id"], channel=call["channel"], kind=call["kind"], uid=uid,
                     token=provider.token(call["channel"], uid, int(expires_at.timestamp())),
                     expires_at=expires_at, provider=provider.name, app_id=provider.app_id)


def _out(row: dict[str, Any]) -> CallOut:
    started, answered, ended = row["started_at"], row["answered_at"], row["ended_at"]
    rang_until = answered or ended
    return CallOut(
        id=row["id"], conversation_id=row["conversation_id"], caller_id=row["caller_id"],
        kind=row["kind"], status=row["status"], started_at=started, answered_at=answered,
        ended_at=ended, ended_by=row["ended_by"],
        ring_seconds=round((rang_until - started).total_seconds(), 3) if rang_until else None,
        duration_seconds=round((ended - answered).total_seconds(), 3) if answered and ended else None)


def _live_call(user_id: str, call_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call and its participants, if the user takes part; NotFound otherwise."""
    call_uuid = as_uuid(call_id)
    call = calls_repo.call(call_uuid) if call_uuid else None
    parts = calls_repo.participants(call_uuid) if call is not None and call_uuid else []
    if call is None or user_id not in {part["user_id"] for part in parts}:
        raise errors.NotFound("No such call")
    return call, parts


def start_call(user_id: str, body: CallIn,
               idempotency_key: str | None = None) -> idempotency.Outcome[CallToken]:
    """Ring the other members; the caller's token (201). 403 across a block (every other member
    blocked or blocking), 409 while the conversation has a live call; with an Idempotency-Key a
    retry gets the first answer back and rings nobody again."""
    conversation = _member_conversation(user_id, str(body.conversation_id))
    others = [member for member in conversation["member_ids"] if member != user_id]
    hidden = social_repo.blocked_among(user_id, others) if others else set()
    invited = [member for member in others if member not in hidden]
    if not invited:
        raise errors.Forbidden("A block stands between you and the members of this conversation")

    def started() -> tuple[int, CallToken]:
        call = calls_repo.start(conversation["id"], user_id, body.kind,
                                f"plaza-{secrets.token_hex(12)}", invited)
        if call is None:
            live = calls_repo.live_call(conversation["id"])
            raise errors.Conflict("This conversation has a call already",
                                  call_id=live["id"] if live else None)
        return 201, _token(call, 1)

    outcome = idempotency.once(user_id, idempotency_key, {"call": body.model_dump(mode="json")},
                               CallToken, started)
    if not outcome.replayed:
        call = calls_repo.call(outcome.value.call_id)
        assert call is not None
        _ring(call, invited)
        observability.count("CallStarted", kind=body.kind)
    return outcome


def _ring(call: dict[str, Any], invited: list[str]) -> None:
    """call.incoming to each member rung, a push for those with no socket; the ring timer."""
    frame = {"type": "call.incoming", "call": _out(call).model_dump(mode="json")}
    for member in invited:
        if not _send_to_user(member, frame):
            notify("call", member, call["caller_id"], {
                "call_id": call["id"], "kind": call["kind"],
                "conversation_id": call["conversation_id"]}, dedupe_key=f"call:{call['id']}")
    _start_ring_timer(call["id"])


def _start_ring_timer(call_id: str) -> None:
    """The call_ring machine waits the ring timeout, then ends the call as missed if it still
    rings. Fail-open: a call whose timer could not start rings until someone ends it."""
    arn = os.environ.get("CALL_RING_STATE_MACHINE_ARN")
    if not arn:
        observability.log_info("call ring timer skipped: CALL_RING_STATE_MACHINE_ARN is not set")
        return
    try:
        aws.after_commit("stepfunctions").start_execution(
            stateMachineArn=arn, name=f"call-{call_id}",
            input=json.dumps({"call_id": call_id, "ring_seconds": settings().call_ring_timeout_s}))
    except Exception:  # noqa: BLE001 - boto3 raises many kinds; the call itself stands
        observability.log_exception("call ring timer not started", call_id=call_id)
        observability.count("CallRingTimerFailed")


def accept_call(user_id: str, call_id: str) -> CallToken:
    call, parts = _live_call(user_id, call_id)
    if not calls_repo.accept(call["id"], user_id):
        raise errors.Conflict("This call is not ringing you")
    _tell(parts, {"type": "call.accepted", "call_id": call["id"], "user_id": user_id},
          skip=user_id)
    uid = next(part["uid"] for part in parts if part["user_id"] == user_id)
    return _token(call, uid)


def decline_call(user_id: str, call_id: str) -> str:
    """The call's status after the decline (declined once nobody rung is left ringing)."""
    call, parts = _live_call(user_id, call_id)
    status = calls_repo.decline(call["id"], user_id)
    if status is None:
        raise errors.Conflict("This call is not ringing you")
    _tell(parts, {"type": "call.declined", "call_id": call["id"], "user_id": user_id})
    if status == "declined":
        _ended(call["id"], parts)
    return status


def end_call(user_id: str, call_id: str) -> CallOut:
    """Hang up: an answered call ends, an unanswered one ends as missed. Ending an ended call
    answers it as it is."""
    call, parts = _live_call(user_id, call_id)
    if calls_repo.end(call["id"], user_id, "missed") is not None:
        return _ended(call["id"], parts)
    return _out(call)


def ring_timeout(call_id: str) -> str:
    """The ring timer's end: a call still ringing ends as missed and the members it rang are
    notified. Its status after (unchanged when answered, declined or ended meanwhile)."""
    call_uuid = as_uuid(call_id)
    if call_uuid is None:
        raise errors.Invalid("Not a call id")
    ended = calls_repo.end(call_uuid, None, "missed")
    if ended is None:
        call = calls_repo.call(call_uuid)
        return str(call["status"]) if call else "gone"
    parts = calls_repo.participants(call_uuid)
    out = _ended(call_uuid, parts)
    for part in parts:
        if part["state"] == "ringing" and out.caller_id:
            notify("call_missed", part["user_id"], out.caller_id,
                   {"call_id": out.id, "kind": out.kind, "conversation_id": out.conversation_id},
                   dedupe_key=f"call_missed:{out.id}")
    observability.count("CallMissed")
    return "missed"


def _ended(call_id: str, parts: list[dict[str, Any]]) -> CallOut:
    call = calls_repo.call(call_id)
    assert call is not None
    out = _out(call)
    _tell(parts, {"type": "call.ended", "call": out.model_dump(mode="json")})
    return out


def call_page(user_id: str, conversation_id: str, query: PageQuery) -> CallPage:
    """The conversation's call log, newest first, for its members."""
    conversation = _member_conversation(user_id, conversation_id)
    rows = calls_repo.page(conversation["id"], query.limit + 1, decode_cursor(query.cursor))
    items, next_cursor = page_of(rows, query.limit, "started_at", "id")
    return CallPage(items=[_out(row) for row in items], next_cursor=next_cursor)


def _tell(parts: list[dict[str, Any]], frame: dict[str, Any], skip: str | None = None) -> None:
    for part in parts:
        if part["user_id"] != skip:
            _send_to_user(part["user_id"], frame)


def _send_to_user(user_id: str, payload: dict[str, Any]) -> int:
    """Connections of the user reached; 0 when the realtime hub failed (best effort)."""
    # lazy: the @connections client is cold-start weight the call log never uses
    from plaza.realtime import delivery

    try:
        return delivery.send_to_user(user_id, payload)
    except Exception as error:  # noqa: BLE001 - the call is stored; live frames are best effort
        observability.log_error("live delivery failed", error=error, type=payload.get("type"))
        return 0
