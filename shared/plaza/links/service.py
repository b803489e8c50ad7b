"""Short links: the rules of creating, listing, changing and deleting them (owner only), and
their click statistics. The redirect's lookup is plaza.links.redirects; the click rollup,
plaza.links.rollups."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from plaza import errors, idempotency
from plaza.links import redirects, repo, targets
from plaza.links.models import (
    MAX_STATS_DAYS,
    TOP_ITEMS,
    CountOut,
    DayOut,
    LinkIn,
    LinkOut,
    LinkPage,
    LinkPatch,
    StatsOut,
    StatsQuery,
)
from plaza.pagination import decode_cursor, page_of

# No 0/O, 1/l/I: a code read aloud or off paper is typed right. 55^7 is 1.5e12 codes.
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 7
CODE_ATTEMPTS = 5
DEFAULT_STATS_DAYS = 30


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _target(url: str, field: str) -> str:
    try:
        return targets.checked_url(url)
    except targets.Refused as refused:
        raise errors.Invalid(str(refused), errors=[
            {"field": field, "message": str(refused), "type": "url_refused"}]) from None


def _future(expires_at: dt.datetime | None) -> dt.datetime | None:
    if expires_at is not None and expires_at <= dt.datetime.now(dt.UTC):
        raise errors.Invalid("The expiry is in the past", errors=[
            {"field": "body.expires_at", "message": "must be in the future", "type": "past"}])
    return expires_at


def _out(row: dict[str, Any], short_base: str) -> LinkOut:
    return LinkOut(code=row["code"], url=row["url"], short_url=f"{short_base}/l/{row['code']}",
                   expires_at=row["expires_at"], created_at=row["created_at"],
                   clicks=int(row["click_count"]))


def create_link(owner_id: str, body: LinkIn, short_base: str,
                idempotency_key: str | None = None) -> idempotency.Outcome[LinkOut]:
    """A new link: its alias (409 when taken), else a random code. Checked first, so a refused
    target costs no claim of the key."""
    url = _target(body.url, "body.url")
    expires_at = _future(body.expires_at)
    outcome = idempotency.once(owner_id, idempotency_key, {"link": body.model_dump(mode="json")},
                               LinkOut, lambda: _created(owner_id, body, url, expires_at,
                                                         short_base))
    if not outcome.replayed:
        redirects.forget(outcome.value.code)  # a cached "no such code" must not outlive it
    return outcome


def _created(owner_id: str, body: LinkIn, url: str, expires_at: dt.datetime | None,
             short_base: str) -> tuple[int, LinkOut]:
    if not repo.lock_active_owner(owner_id):
        raise errors.Unauthorized("The account no longer exists")
    if body.alias is not None:
        row = repo.insert(body.alias, owner_id, url, True, expires_at)
        if row is None:
            raise errors.Conflict("That alias is taken", field="body.alias")
        return 201, _out(row, short_base)
    for _ in range(CODE_ATTEMPTS):
        row = repo.insert(new_code(), owner_id, url, False, expires_at)
        if row is not None:
            return 201, _out(row, short_base)
    raise errors.Unavailable("No free code was found; retry", retry_after=1)


def _owned(owner_id: str, code: str) -> dict[str, Any]:
    """The owner's live link; 404 for anyone else's (whether it exists is not theirs to know)."""
    row = repo.find(code) if redirects.CODE.fullmatch(code) else None
    if row is None or row["owner_id"] != owner_id or row["deleted_at"] is not None:
        raise errors.NotFound("No such link")
    return row


def get_link(owner_id: str, code: str, short_base: str) -> LinkOut:
    return _out(_owned(owner_id, code), short_base)


def link_page(owner_id: str, limit: int, cursor: str | None, short_base: str) -> LinkPage:
    rows, next_cursor = page_of(repo.owned(owner_id, decode_cursor(cursor), limit), limit,
                                "created_at", "id")
    return LinkPage(items=[_out(row, short_base) for row in rows], next_cursor=next_cursor)


def update_link(owner_id: str, code: str, body: LinkPatch, short_base: str) -> LinkOut:
    """Change the target and/or expiry (null: never expires); the cached redirect is dropped."""
    changes: dict[str, Any] = {}
    if "url" in body.model_fields_set:
        if body.url is None:
            raise errors.Invalid("A link needs a target", errors=[
                {"field": "body.url", "message": "may not be null", "type": "required"}])
        changes["url"] = _target(body.url, "body.url")
    if "expires_at" in body.model_fields_set:
        changes["expires_at"] = _future(body.expires_at)
    if not changes:
        raise errors.Invalid("Nothing to change: send url and/or expires_at")
    _owned(owner_id, code)
    row = repo.update(code, owner_id, changes)
    if row is None:
        raise errors.NotFound("No such link")
    redirects.forget(code)
    return _out(row, short_base)


def delete_link(owner_id: str, code: str) -> None:
    """Delete the link: GET /l/{code} answers 410 from now on, and the code is never reused."""
    _owned(owner_id, code)
    if not repo.delete(code, owner_id):
        raise errors.NotFound("No such link")
    redirects.forget(code)


def stats(owner_id: str, code: str, query: StatsQuery,
          today: dt.date | None = None) -> StatsOut:
    """Clicks and uniques per day (every day of the range, zeros included), and the top
    referrers, countries, devices and browsers over the range."""
    _owned(owner_id, code)
    last = query.to or today or dt.datetime.now(dt.UTC).date()
    first = query.from_ or last - dt.timedelta(days=DEFAULT_STATS_DAYS - 1)
    if first > last:
        raise errors.Invalid("`from` is after `to`", errors=[
            {"field": "query.from", "message": "must not be after to", "type": "range"}])
    if (last - first).days + 1 > MAX_STATS_DAYS:
        raise errors.Invalid(f"At most {MAX_STATS_DAYS} days at once", errors=[
            {"field": "query.from", "message": f"the range exceeds {MAX_STATS_DAYS} days",
             "type": "range"}])
    found = {row["day"]: row for row in repo.days(code, first, last)}
    days = [DayOut(day=first + dt.timedelta(days=offset),
                   clicks=int(found.get(first + dt.timedelta(days=offset), {}).get("clicks", 0)),
                   uniques=int(found.get(first + dt.timedelta(days=offset), {}).get("uniques", 0)))
            for offset in range((last - first).days + 1)]
    top = repo.top_counts(code, first, last, TOP_ITEMS)

    def listed(dimension: str) -> list[CountOut]:
        return [CountOut(**item) for item in top.get(dimension, [])]

    return StatsOut(code=code, from_=first, to=last, clicks=sum(day.clicks for day in days),
                    uniques=sum(day.uniques for day in days), days=days,
                    referrers=listed("referrer"), countries=listed("country"),
                    devices=listed("device"), browsers=listed("browser"))
