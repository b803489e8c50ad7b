"""Links SQL: the links, and their clicks rolled up per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plaza.stores import db

Row = dict[str, Any]
COLUMNS = ("code, id::text AS id, owner_id::text AS owner_id, url, expires_at, created_at,"
           " click_count, deleted_at")


def lock_active_owner(owner_id: str) -> bool:
    """Whether the owner's account is active, locking its row (KEY SHARE) until the transaction
    ends, so it cannot be deleted under the link being created."""
    return db.fetch_one("SELECT 1 AS ok FROM users WHERE id = %s AND status = 'active'"
                        " FOR KEY SHARE", (owner_id,)) is not None


def insert(code: str, owner_id: str, url: str, is_alias: bool,
           expires_at: dt.datetime | None) -> Row | None:
    """The new link; None when the code is taken (by any link, deleted ones too)."""
    return db.fetch_one(
        "INSERT INTO links (code, owner_id, url, is_alias, expires_at)"  # noqa: S608
        f" VALUES (%s, %s, %s, %s, %s) ON CONFLICT (code) DO NOTHING RETURNING {COLUMNS}",
        (code, owner_id, url, is_alias, expires_at))


def find(code: str) -> Row | None:
    """The link with this code, deleted or not."""
    return db.fetch_one(f"SELECT {COLUMNS} FROM links WHERE code = %s", (code,))  # noqa: S608


def owner_of(code: str) -> str | None:
    row = db.fetch_one("SELECT owner_id::text AS owner_id FROM links WHERE code = %s"
                       " AND deleted_at IS NULL", (code,))
    return row["owner_id"] if row else None


def owned(owner_id: str, before: tuple[dt.datetime, str] | None, limit: int) -> list[Row]:
    """The owner's live links, newest first, after the keyset `before` (created_at, id)."""
    keyset = "AND (created_at, id) < (%(at)s, %(id)s::uuid)" if before else ""
    return db.fetch_all(
        f"SELECT {COLUMNS} FROM links WHERE owner_id = %(owner)s AND deleted_at IS NULL"  # noqa: S608
        f" {keyset} ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
        {"owner": owner_id, "at": before[0] if before else None,
         "id": before[1] if before else None, "limit": limit + 1})


def update(code: str, owner_id: str, changes: Mapping[str, Any]) -> Row | None:
    """Set `changes` (url, expires_at) on the owner's live link; None when there is none."""
    assignments = ", ".join(f"{column} = %({column})s" for column in changes
                            if column in ("url", "expires_at"))
    return db.fetch_one(
        f"UPDATE links SET {assignments}, updated_at = clock_timestamp()"  # noqa: S608
        " WHERE code = %(code)s AND owner_id = %(owner)s AND deleted_at IS NULL"
        f" RETURNING {COLUMNS}", {**changes, "code": code, "owner": owner_id})


def delete(code: str, owner_id: str) -> bool:
    """Mark the owner's live link deleted (its code stays taken); whether there was one."""
    return db.execute("UPDATE links SET deleted_at = clock_timestamp(), updated_at ="
                      " clock_timestamp() WHERE code = %s AND owner_id = %s"
                      " AND deleted_at IS NULL", (code, owner_id)) > 0


def record_clicks(clicks: list[Row]) -> dict[str, Row]:
    """Roll up the clicks (id, code, day, visitor, referrer, country, device, browser) that were
    not recorded before, in one transaction: a click id already seen counts nothing, so a
    redelivered message counts once. Clicks of codes that no longer exist are dropped. Each code
    that gained clicks -> its new totals {clicks (all time), day, day_clicks, day_uniques}.
    Rows are upserted in key order, so concurrent batches never deadlock on each other."""
    if not clicks:
        return {}
    with db.transaction():
        existing = {row["code"] for row in db.fetch_all(
            "SELECT code FROM links WHERE code = ANY(%s) ORDER BY code FOR KEY SHARE",
            (sorted({click["code"] for click in clicks}),))}
        candidates = {click["id"]: click for click in clicks if click["code"] in existing}
        if not candidates:
            return {}
        fresh = {str(row["click_id"]) for row in db.fetch_all(
            "INSERT INTO link_clicks_seen (click_id) SELECT * FROM unnest(%s::uuid[])"
            " ORDER BY 1 ON CONFLICT DO NOTHING RETURNING click_id", (sorted(candidates),))}
        new = [candidates[click_id] for click_id in sorted(fresh)]
        if not new:
            return {}
        visitors = sorted({(click["code"], click["day"], click["visitor"]) for click in new})
        first_visits: dict[tuple[str, dt.date], int] = {}
        for row in db.fetch_all(
                "INSERT INTO link_day_visitors (code, day, visitor)"
                " SELECT * FROM unnest(%s::text[], %s::date[], %s::text[])"
                " ON CONFLICT DO NOTHING RETURNING code, day",
                ([code for code, _, _ in visitors], [day for _, day, _ in visitors],
                 [visitor for _, _, visitor in visitors])):
            key = (row["code"], row["day"])
            first_visits[key] = first_visits.get(key, 0) + 1
        days: dict[tuple[str, dt.date], int] = {}
        counts: dict[tuple[str, dt.date, str, str], int] = {}
        for click in new:
            key = (click["code"], click["day"])
            days[key] = days.get(key, 0) + 1
            for dimension in ("referrer", "country", "device", "browser"):
                count_key = (click["code"], click["day"], dimension, click[dimension])
                counts[count_key] = counts.get(count_key, 0) + 1
        day_keys = sorted(days)
        totals = db.fetch_all(
            "INSERT INTO link_days (code, day, clicks, uniques)"
            " SELECT * FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::bigint[])"
            " ON CONFLICT (code, day) DO UPDATE SET clicks = link_days.clicks + EXCLUDED.clicks,"
            " uniques = link_days.uniques + EXCLUDED.uniques RETURNING code, day, clicks, uniques",
            ([code for code, _ in day_keys], [day for _, day in day_keys],
             [days[key] for key in day_keys], [first_visits.get(key, 0) for key in day_keys]))
        count_keys = sorted(counts)
        db.execute(
            "INSERT INTO link_day_counts (code, day, dimension, value, clicks)"
            " SELECT * FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::bigint[])"
            " ON CONFLICT (code, day, dimension, value) DO UPDATE"
            " SET clicks = link_day_counts.clicks + EXCLUDED.clicks",
            ([key[0] for key in count_keys], [key[1] for key in count_keys],
             [key[2] for key in count_keys], [key[3] for key in count_keys],
             [counts[key] for key in count_keys]))
        per_code: dict[str, int] = {}
        for (code, _day), number in days.items():
            per_code[code] = per_code.get(code, 0) + number
        codes = sorted(per_code)
        all_time = {row["code"]: int(row["click_count"]) for row in db.fetch_all(
            "UPDATE links SET click_count = links.click_count + added.n"
            " FROM unnest(%s::text[], %s::bigint[]) AS added (code, n)"
            " WHERE links.code = added.code RETURNING links.code, links.click_count",
            (codes, [per_code[code] for code in codes]))}
    latest: dict[str, Row] = {}
    for row in totals:
        if row["code"] not in latest or row["day"] > latest[row["code"]]["day"]:
            latest[row["code"]] = {"clicks": all_time.get(row["code"], 0), "day": row["day"],
                                   "day_clicks": int(row["clicks"]),
                                   "day_uniques": int(row["uniques"])}
    return latest


def days(code: str, first: dt.date, last: dt.date) -> list[Row]:
    return db.fetch_all(
        "SELECT day, clicks, uniques FROM link_days WHERE code = %s AND day BETWEEN %s AND %s"
        " ORDER BY day", (code, first, last))


def top_counts(code: str, first: dt.date, last: dt.date, limit: int) -> dict[str, list[Row]]:
    """Per dimension, its `limit` values with the most clicks between the days (included)."""
    rows = db.fetch_all(
        "SELECT dimension, value, clicks FROM (SELECT dimension, value, sum(clicks)::bigint AS"
        " clicks, row_number() OVER (PARTITION BY dimension ORDER BY sum(clicks) DESC, value)"
        " AS rank FROM link_day_counts WHERE code = %s AND day BETWEEN %s AND %s"
        " GROUP BY dimension, value) ranked WHERE rank <= %s ORDER BY dimension, rank",
        (code, first, last, limit))
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(row["dimension"], []).append({"value": row["value"],
                                                        "clicks": int(row["clicks"])})
    return found
