"""Post rules: limits, hashtags and mentions, visibility, the edit window, likes, comments, pages.

Who sees a post: nobody across a block (either way), and a followers-only post only its author
and the author's followers; anyone else gets the 404 a missing post gets, so a post's existence
leaks nowhere. Single posts are read through a Redis cache (fail-open: Redis down means reading
Postgres) that edits and deletes invalidate after they commit; counts, deletion and blocks are
read from Postgres on every view (one indexed query), so they are exact even when the text is cached.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from typing import Any, NamedTuple

from plaza import errors, idempotency, observability
from plaza.feeds.home_cache import forget_home_pages
from plaza.identity.gateway import ROLE_RANK
from plaza.ids import as_uuid
from plaza.media import access as media_access
from plaza.media import service as media
from plaza.models import PageQuery, PostOut, PostPage
from plaza.notifications import producer
from plaza.pagination import decode_cursor, page_of
from plaza.posts import repo
from plaza.posts.models import CommentIn, CommentOut, CommentPage, PostEdit, PostIn
from plaza.realtime import rules
from plaza.social import repo as social_repo
from plaza.stores import aws, cache, db
from plaza.stores.search_events import queue_hashtag_event, queue_index_event
from plaza.trending import service as trending

EDIT_WINDOW = dt.timedelta(minutes=15)
# Bounds how long a read that raced a write can serve the older version it cached.
CACHE_TTL_S = 60
MAX_HASHTAGS = 30
MAX_MENTIONS = 50

# A '#' or '@' right after a word character is part of something else (an anchor, an e-mail).
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_]{1,30})(?![\w@])")
_TAG = re.compile(r"\w{1,100}")


class EditWindowClosed(errors.Conflict):
    code = "edit-window-closed"


class Created(NamedTuple):
    post: PostOut
    # True when the Idempotency-Key had been used with this body: the first response, again.
    replayed: bool


def hashtags_in(text: str) -> list[str]:
    """The post's hashtags: lower-cased, without '#', distinct, in order of first appearance."""
    tags: list[str] = []
    for match in _HASHTAG.finditer(text):
        tag = match.group(1).lower()
        # "#1" is a number, not a topic; over-long tags are noise, not tags.
        if len(tag) <= 100 and not tag.isdigit() and tag.strip("_") and tag not in tags:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def mentioned_names(text: str) -> list[str]:
    """Usernames written as @name, distinct ignoring case (usernames are case-insensitive)."""
    names: dict[str, str] = {}
    for match in _MENTION.finditer(text):
        names.setdefault(match.group(1).lower(), match.group(1))
    return list(names.values())[:MAX_MENTIONS]


def _no_such_post() -> errors.NotFound:
    return errors.NotFound("No such post")


def _post_id(raw: str) -> str:
    post_id = as_uuid(raw)
    if post_id is None:
        raise _no_such_post()
    return post_id


def _cache_key(post_id: str) -> str:
    return f"post:{post_id}"


def _count_cache(hit: bool) -> None:
    # The metric the trending caches emit too: its CloudWatch Average is the hit ratio.
    observability.count("CacheHitRatio", 100.0 if hit else 0.0, unit="Percent", cache="post")


def _cached_post(post_id: str, edited_at: dt.datetime | None) -> PostOut | None:
    """The post's text, author and tags from Redis when the cached copy is the current edit,
    else from Postgres (and then kept in Redis)."""
    key = _cache_key(post_id)
    try:
        raw = cache.client().get(key)
    except errors.Unavailable:
        observability.log_warning("post cache unreachable; reading Postgres", post_id=post_id)
        raw = None
    if raw is not None:
        cached = PostOut.model_validate_json(raw)
        # A read that raced an edit may have cached the text before it: never serve that.
        if cached.edited_at == edited_at:
            _count_cache(hit=True)
            return cached
    _count_cache(hit=False)
    row = repo.post(post_id)
    if row is None:
        return None
    post = PostOut(**row)
    with contextlib.suppress(errors.Unavailable):
        cache.client().set(key, post.model_dump_json(), ex=CACHE_TTL_S)
    return post


def forget_cached_post(post_id: str) -> None:
    """Drop the cached copy of a post after a write to it has committed."""
    try:
        cache.client().delete(_cache_key(post_id))
    except errors.Unavailable:
        # The entry expires within CACHE_TTL_S anyway, and edited_at guards against old text.
        observability.log_warning("post cache unreachable; entry left to expire", post_id=post_id)


def visible_post(viewer_id: str, post_id: str) -> PostOut:
    """The post as the viewer sees it; NotFound if it is gone or they may not see it.

    One query gives what must be current (deletion, blocks, follows, counts, the viewer's like);
    the cache only spares the join that builds the rest.
    """
    post_id = _post_id(post_id)
    state = repo.viewer_state(viewer_id, post_id)
    if state is None or state["blocked"] or not (
            state["visibility"] == "public" or state["author_id"] == viewer_id
            or state["follows"]):
        raise _no_such_post()
    post = _cached_post(post_id, state["edited_at"])
    if post is None:
        raise _no_such_post()
    return post.model_copy(update={
        "like_count": state["like_count"], "comment_count": state["comment_count"],
        "liked_by_me": bool(state["liked"]), "media": media.attached_media(post.media_ids)})



def _may_follow(user_id: str, post_id: str) -> bool:
    """Whether the user may subscribe to `post:{id}` (its live counts): whoever may see it."""
    try:
        visible_post(user_id, post_id)
    except (errors.NotFound, errors.Invalid, errors.BadRequest):
        return False
    return True


rules.allow_topic("post", _may_follow)
# Media attached to a post: whoever may see the post may see it.
media_access.allow_attached("post", _may_follow)


def _write_tags_and_mentions(post_id: str, author_id: str, text: str,
                             created_at: dt.datetime) -> list[str]:
    repo.replace_hashtags(post_id, hashtags_in(text), created_at)
    return repo.replace_mentions(post_id, repo.mentionable(author_id, mentioned_names(text)))


def _insert(author_id: str, body: PostIn) -> PostOut:
    reply_to = str(body.reply_to) if body.reply_to else None
    if reply_to is not None:
        try:
            visible_post(author_id, reply_to)
        except errors.NotFound:
            raise errors.Invalid("The post replied to does not exist", errors=[{
                "field": "body.reply_to", "type": "not_found",
                "message": "no such post"}]) from None
    media.require_attachable(author_id, body.media_ids, "post")
    row = repo.insert_post(author_id, body.text, body.media_ids, body.visibility, reply_to,
                           hashtags_in(body.text))
    media.attach(body.media_ids, "post", row["id"])
    _write_tags_and_mentions(row["id"], author_id, body.text, row["created_at"])
    stored = repo.post(row["id"])
    assert stored is not None  # inserted just now, by an author locked active
    return media.posts_with_media([PostOut(**stored)])[0]


def create_post(author_id: str, body: PostIn, idempotency_key: str | None = None) -> Created:
    """Store a post and start its fan-out; with a key, a retry gets the first response back.

    The key is claimed in the post's own transaction (plaza.idempotency), after the author's
    lock: of two concurrent requests with one key, the second blocks until the first commits and
    then replays it (or gets 409 for another body).
    """
    key = idempotency.checked_key(idempotency_key)
    replayed = False
    with db.transaction():
        if not repo.lock_active_author(author_id):
            raise errors.Unauthorized("The account no longer exists")
        # The body alone, as it always was: keys claimed before other routes took them still match.
        held = idempotency.claim(author_id, key, idempotency.fingerprint(body.model_dump(
            mode="json"))) if key else None
        if held is not None:
            post, replayed = PostOut.model_validate(held.body), True
        else:
            post = _insert(author_id, body)
            if key:
                idempotency.remember(author_id, key, 201, post)
    if not replayed:
        # The author's own posts are merged into their home page at read time, not fanned out.
        forget_home_pages([author_id])
        observability.count("PostCreated")
        trending.record_engagement(post.id, "post", post.hashtags)
        if post.visibility == "public":
            queue_hashtag_event(post.hashtags)  # their post counts and last use changed
    # Also on a replay: if the first attempt died before starting it, this one does; the
    # execution's name makes a second start of a started fan-out a no-op.
    start_fanout(post.id, author_id)
    return Created(post, replayed)


def start_fanout(post_id: str, author_id: str) -> None:
    """Start the fan-out state machine for a new post, once (the execution is named after it).

    A failure is logged and counted, not raised: the post is stored, and answering 5xx would
    invite a retry that creates it twice when the client sent no Idempotency-Key. One short try
    (plaza.stores.aws.after_commit): the fan-out reconciler (plaza.feeds.reconcile) starts the
    fan-outs of posts whose start failed.
    """
    arn = os.environ.get("POST_FANOUT_STATE_MACHINE_ARN")
    if not arn:
        observability.log_info("fan-out skipped: POST_FANOUT_STATE_MACHINE_ARN is not set",
                               post_id=post_id)
        return
    try:
        aws.after_commit("stepfunctions").start_execution(
            stateMachineArn=arn, name=f"post-{post_id}",
            input=json.dumps({"post_id": post_id, "author_id": author_id}))
    except Exception as exc:  # noqa: BLE001 - boto3 raises many kinds; none may fail the create
        if type(exc).__name__ == "ExecutionAlreadyExists":
            return
        observability.log_exception("fan-out did not start", post_id=post_id)
        observability.count("PostFanoutStartFailed")


def get_post(viewer_id: str, post_id: str) -> PostOut:
    return visible_post(viewer_id, post_id)


def _locked_for_change(viewer_id: str, post_id: str, may_act: bool, action: str) -> dict[str, Any]:
    """The live post's row, locked; Forbidden when the viewer sees it but may not `action` it."""
    row = repo.lock_post(_post_id(post_id))
    if row is None or row["deleted_at"] is not None:
        raise _no_such_post()
    if row["author_id"] != viewer_id and not may_act:
        visible_post(viewer_id, row["id"])  # NotFound for those who may not even see it
        raise errors.Forbidden(f"Only the author can {action} this post")
    return row


def edit_post(viewer_id: str, post_id: str, body: PostEdit) -> PostOut:
    """Change the text within 15 minutes of posting; hashtags and mentions follow the text."""
    with db.transaction():
        row = _locked_for_change(viewer_id, post_id, False, "edit")
        if row["age"] > EDIT_WINDOW:
            raise EditWindowClosed("Posts can be edited for 15 minutes after posting")
        repo.set_text(row["id"], body.text, hashtags_in(body.text))
        _write_tags_and_mentions(row["id"], viewer_id, body.text, row["created_at"])
    forget_cached_post(row["id"])
    queue_index_event("post", row["id"])
    if row["visibility"] == "public":
        queue_hashtag_event([*row["hashtags"], *hashtags_in(body.text)])
    return visible_post(viewer_id, row["id"])


def delete_post(viewer_id: str, role: str, post_id: str) -> None:
    """Soft-delete a post: its author, or a moderator. Feeds drop it (their trigger or filter)."""
    moderator = ROLE_RANK.get(role, -1) >= ROLE_RANK["moderator"]
    with db.transaction():
        row = _locked_for_change(viewer_id, post_id, moderator, "delete")
        repo.soft_delete(row["id"], viewer_id)
    forget_cached_post(row["id"])
    queue_index_event("post", row["id"], "delete")
    if row["visibility"] == "public":
        queue_hashtag_event(row["hashtags"])
    # Followers' cached home pages drop it at read time (plaza.feeds.service re-checks posts).
    forget_home_pages([row["author_id"]])
    observability.count("PostDeleted")


def publish_counts(post_id: str) -> None:
    """Send the post's live counts to subscribers of `post:{id}`; never fails the change itself."""
    try:
        # lazy: only a change with live subscribers pays for the @connections client
        from plaza.realtime import delivery, registry

        topic = f"post:{post_id}"
        subscribers = registry.subscribers(topic)
        if not subscribers:
            return
        row = repo.counts(post_id)
        if row is not None:
            delivery.publish_to(subscribers, topic, {"type": "post.counts", "post_id": post_id,
                                     "like_count": row["like_count"],
                                     "comment_count": row["comment_count"]})
    except Exception as error:  # noqa: BLE001 - live counts are best effort, the write has committed
        observability.log_warning("post counts not published", post_id=post_id, error=str(error))
        observability.count("PostCountsPublishFailed")


def like(viewer_id: str, post_id: str) -> None:
    """Like a post the viewer can see; liking it again changes nothing."""
    post = visible_post(viewer_id, post_id)
    if repo.insert_like(post.id, viewer_id):
        trending.record_engagement(post.id, "like", post.hashtags)
        publish_counts(post.id)
        # Keyed by post and liker: liking, unliking and liking again notifies once.
        producer.notify("like", post.author.id, viewer_id, {"post_id": post.id},
                        dedupe_key=f"like:{post.id}:{viewer_id}")


def unlike(viewer_id: str, post_id: str) -> None:
    post = visible_post(viewer_id, post_id)
    if repo.delete_like(post.id, viewer_id):
        trending.record_engagement(post.id, "unlike", post.hashtags)
        publish_counts(post.id)


def add_comment(viewer_id: str, post_id: str, body: CommentIn,
                idempotency_key: str | None = None) -> idempotency.Outcome[CommentOut]:
    """Comment on a post the viewer can see; with a key, a retry gets the first comment back.

    What follows the insert fails open (trending, live counts, the notification): the comment
    is stored, and an error now would invite a retry that stores it twice.
    """
    post = visible_post(viewer_id, post_id)
    outcome = idempotency.once(
        viewer_id, idempotency_key, {"comment_on": post.id, **body.model_dump(mode="json")},
        CommentOut, lambda: (201, CommentOut(**repo.insert_comment(post.id, viewer_id, body.text))))
    if outcome.replayed:
        return outcome
    comment = outcome.value
    trending.record_engagement(post.id, "comment", post.hashtags)
    publish_counts(post.id)
    producer.notify("comment", post.author.id, viewer_id,
                    {"post_id": post.id, "comment_id": comment.id}, dedupe_key=f"comment:{comment.id}")
    return outcome


def comment_page(viewer_id: str, post_id: str, query: PageQuery) -> CommentPage:
    """One page of a post's comments, oldest first, without the viewer's hidden users."""
    after = decode_cursor(query.cursor)
    post = visible_post(viewer_id, post_id)
    rows = repo.comment_page(post.id, viewer_id, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "created_at", "id")
    return CommentPage(items=[CommentOut(**row) for row in items], next_cursor=next_cursor)


def _post_page(rows: list[dict[str, Any]], limit: int) -> PostPage:
    items, next_cursor = page_of(rows, limit, "created_at", "id")
    return PostPage(items=media.posts_with_media([PostOut(**row) for row in items]),
                    next_cursor=next_cursor)


def user_posts_page(viewer_id: str, username: str, query: PageQuery) -> PostPage:
    """One page of a user's posts the viewer may see, newest first; 404 across a block."""
    after = decode_cursor(query.cursor)
    if username.lower() == "me":
        author_id = viewer_id
    else:
        ref = social_repo.user_ref(viewer_id, username) if re.fullmatch(r"\w{1,30}", username) \
            else None
        if ref is None or ref["blocked"]:
            raise errors.NotFound("No such user")
        author_id = str(ref["id"])
    return _post_page(repo.author_page(author_id, viewer_id, query.limit + 1, after), query.limit)


def hashtag_posts_page(viewer_id: str, tag: str, query: PageQuery) -> PostPage:
    """One page of a hashtag's posts the viewer may see, newest first (empty for unused tags)."""
    after = decode_cursor(query.cursor)
    tag = tag.removeprefix("#").lower()
    if not _TAG.fullmatch(tag):
        raise errors.NotFound("No such hashtag")
    return _post_page(repo.hashtag_page(tag, viewer_id, query.limit + 1, after), query.limit)
