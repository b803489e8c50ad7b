"""Social graph rules: profiles, follows and blocks between users.

A block, either way, makes two users invisible to each other: the profile is a 404, neither shows
up in the other's lists, and neither can follow the other. Blocking removes the follows both
ways. Later features (feeds, search, messages) ask `is_blocked_between` / `hidden_user_ids`, or
put `plaza.sql.not_hidden(column)` in their SQL, so they hide the same people.
"""

from __future__ import annotations

import re

from plaza import errors, observability
from plaza.feeds.home_cache import forget_home_pages
from plaza.ids import is_uuid_text
from plaza.media import service as media
from plaza.models import PageQuery
from plaza.notifications import producer
from plaza.pagination import decode_cursor, page_of
from plaza.realtime import rules
from plaza.social import repo
from plaza.social.models import (
    BlockedUser,
    BlockPage,
    ProfileOut,
    UserPage,
    UserSummary,
)
from plaza.stores import db

# Looser than the registration rule on purpose: an unknown name is a 404, whatever it looks like;
# the check only keeps junk (NUL bytes, megabytes) away from the database.
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,30}")
# The caller may say `me` where a username goes (me is a reserved username).
ME = "me"


def _no_such_user() -> errors.NotFound:
    return errors.NotFound("No such user")


def _checked(username: str) -> str:
    if not _USERNAME.fullmatch(username or ""):
        raise _no_such_user()
    return username


def _not_yourself(action: str) -> errors.Invalid:
    return errors.Invalid(f"You cannot {action} yourself", errors=[
        {"field": "path.username", "message": f"you cannot {action} yourself", "type": "self"}])


def _target(viewer_id: str, username: str, active_only: bool = True) -> str:
    """The id of the user named `username`; NotFound if there is none or a block stands between."""
    if username.lower() == ME:
        return viewer_id
    row = repo.user_ref(viewer_id, _checked(username), active_only=active_only)
    if row is None or (active_only and row["blocked"]):
        raise _no_such_user()
    return str(row["id"])


def _other(viewer_id: str, username: str, action: str, active_only: bool = True) -> str:
    """The target of `action`: anyone but the viewer."""
    target = _target(viewer_id, username, active_only)
    if target == viewer_id:
        raise _not_yourself(action)
    return target


def _lock_pair(viewer_id: str, target: str) -> dict[str, str]:
    """Lock both users (see repo.lock_users); their statuses. The caller's account must exist."""
    found = repo.lock_users(viewer_id, target)
    if viewer_id not in found:
        raise errors.Unauthorized("The account no longer exists")
    return found


def blocked_among(viewer_id: str, user_ids: list[str]) -> set[str]:
    """Which of `user_ids` stand behind a block with the viewer, either way."""
    ids = [user_id for user_id in user_ids if is_uuid_text(user_id)]  # others name nobody
    return repo.blocked_among(viewer_id, ids) if ids else set()


def followed_among(viewer_id: str, user_ids: list[str]) -> set[str]:
    """Which of `user_ids` the viewer follows."""
    ids = [user_id for user_id in user_ids if is_uuid_text(user_id)]
    return repo.followed_among(viewer_id, ids) if ids else set()


# Presence (plaza.realtime.hub) shows whom the viewer follows, and never crosses a block.
rules.show_presence(followed_among)
rules.hide_presence(blocked_among)


def is_blocked_between(a: str, b: str) -> bool:
    """Whether either user has blocked the other."""
    return a != b and repo.blocked_between(a, b)


def hidden_user_ids(viewer_id: str) -> set[str]:
    """Everyone the viewer blocked or is blocked by: hide them from the viewer, and the viewer from them."""
    return repo.hidden_user_ids(viewer_id)


def profile(viewer_id: str, username: str) -> ProfileOut:
    if username.lower() == ME:
        row = repo.profile(viewer_id, user_id=viewer_id)
    else:
        row = repo.profile(viewer_id, username=_checked(username))
    if row is None or row["blocked"]:
        raise _no_such_user()
    found = ProfileOut(**{key: value for key, value in row.items() if key != "blocked"})
    if found.avatar_media_id:
        shown = media.attached_media([found.avatar_media_id])
        found.avatar = shown[0] if shown else None
    return found


def follow(viewer_id: str, username: str) -> None:
    """Follow a user; following someone already followed changes nothing."""
    target = _other(viewer_id, username, "follow")
    with db.transaction():
        found = _lock_pair(viewer_id, target)
        # Checked under the locks a block takes too, so a follow cannot slip in beside a block.
        if found.get(target) != "active" or repo.blocked_between(viewer_id, target):
            raise _no_such_user()
        created = repo.insert_follow(viewer_id, target)
    if created:
        # One notification per follower, however often they unfollow and follow again.
        producer.notify("follow", target, viewer_id, dedupe_key=f"follow:{viewer_id}")
        forget_home_pages([viewer_id])  # a large author's posts join the page at read time
        observability.count("UserFollowed")


def unfollow(viewer_id: str, username: str) -> None:
    """Stop following a user; unfollowing someone not followed changes nothing."""
    target = _other(viewer_id, username, "unfollow", active_only=False)
    with db.transaction():
        _lock_pair(viewer_id, target)
        repo.delete_follow(viewer_id, target)
    forget_home_pages([viewer_id])


def block(viewer_id: str, username: str) -> None:
    """Block a user (whoever blocked whom first) and remove the follows between the two."""
    target = _other(viewer_id, username, "block", active_only=False)
    with db.transaction():
        _lock_pair(viewer_id, target)
        created = repo.insert_block(viewer_id, target)
        repo.delete_follows_between(viewer_id, target)
    forget_home_pages([viewer_id, target])
    if created:
        observability.count("UserBlocked")


def unblock(viewer_id: str, username: str) -> None:
    target = _other(viewer_id, username, "unblock", active_only=False)
    repo.delete_block(viewer_id, target)


def follow_page(viewer_id: str, username: str, direction: repo.Direction,
                query: PageQuery) -> UserPage:
    """One page of a user's followers or following, newest first, without the viewer's hidden users."""
    after = decode_cursor(query.cursor)
    target = _target(viewer_id, username)
    rows = repo.follow_page(direction, target, viewer_id, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "followed_at", "id")
    return UserPage(items=[UserSummary(**row) for row in items], next_cursor=next_cursor)


def block_page(viewer_id: str, query: PageQuery) -> BlockPage:
    """One page of the users the viewer blocked, newest first: where they can be unblocked."""
    after = decode_cursor(query.cursor)
    rows = repo.block_page(viewer_id, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "blocked_at", "id")
    return BlockPage(items=[BlockedUser(**row) for row in items], next_cursor=next_cursor)
