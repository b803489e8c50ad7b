"""Posts against the real Postgres and Redis: create, visibility, edit window, delete, cache."""

from __future__ import annotations

import datetime as dt

import pytest

from plaza import errors
from plaza.posts import service
from plaza.posts.models import PostEdit, PostIn
from plaza.social import service as social
from plaza.stores import cache, db
from tests.integration.posts.conftest import MakeUser
from tests.support.media import ready_media
from tests.support.step_functions import stand_in_fanout_machine


def _post(author: str, text: str = "hello", **fields: object) -> str:
    return service.create_post(author, PostIn(text=text, **fields)).post.id


def test_create_returns_the_post_with_hashtags_and_resolved_mentions(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    make_user("dan")
    social.block(cat, "ann")

    media = [ready_media(ann), ready_media(ann)]
    created = service.create_post(ann, PostIn(
        text="Hi @Bob and @cat and @ghost, #Python #python #rust mail a@dan.example #1",
        media_ids=media, visibility="public")).post

    assert created.author.username == "ann"
    assert created.hashtags == ["python", "rust"]
    # cat blocked ann, ghost does not exist, dan is only part of an e-mail address.
    assert [m.id for m in created.mentions] == [bob]
    assert created.media_ids == media
    assert [shown.id for shown in created.media] == media
    assert (created.like_count, created.comment_count, created.edited) == (0, 0, False)
    assert service.get_post(bob, created.id) == created


def test_a_reply_to_a_post_the_author_cannot_see_is_invalid(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    private = _post(bob, visibility="followers")
    with pytest.raises(errors.Invalid):
        _post(ann, reply_to=private)
    social.follow(ann, "bob")
    assert service.create_post(ann, PostIn(text="re", reply_to=private)).post.reply_to == private


def test_followers_only_posts_are_seen_by_followers_and_the_author_only(make_user: MakeUser) -> None:
    ann, fan, stranger = make_user("ann"), make_user("fan"), make_user("stranger")
    social.follow(fan, "ann")
    post_id = _post(ann, visibility="followers")

    assert service.get_post(ann, post_id).id == post_id
    assert service.get_post(fan, post_id).id == post_id
    with pytest.raises(errors.NotFound):
        service.get_post(stranger, post_id)
    with pytest.raises(errors.NotFound):
        service.like(stranger, post_id)


def test_a_blocked_viewer_gets_404_even_for_a_public_post(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = _post(ann)
    service.get_post(bob, post_id)  # cached now: the block must still apply
    social.block(ann, "bob")
    with pytest.raises(errors.NotFound):
        service.get_post(bob, post_id)


def test_an_edit_within_the_window_is_marked_and_reparses_hashtags(make_user: MakeUser) -> None:
    ann = make_user("ann")
    post_id = _post(ann, "first #old")
    service.get_post(ann, post_id)

    edited = service.edit_post(ann, post_id, PostEdit(text="second #new"))

    assert (edited.text, edited.hashtags, edited.edited) == ("second #new", ["new"], True)
    assert edited.edited_at is not None
    assert service.get_post(ann, post_id).text == "second #new"  # the cache was invalidated
    assert [p.id for p in service.hashtag_posts_page(ann, "new", _page()).items] == [post_id]
    assert service.hashtag_posts_page(ann, "old", _page()).items == []


def test_an_edit_after_fifteen_minutes_is_a_409(make_user: MakeUser) -> None:
    ann = make_user("ann")
    post_id = _post(ann)
    db.execute("UPDATE posts SET created_at = created_at - interval '15 minutes 1 second'"
               " WHERE id = %s", (post_id,))
    with pytest.raises(service.EditWindowClosed) as caught:
        service.edit_post(ann, post_id, PostEdit(text="too late"))
    assert caught.value.status == 409


def test_only_the_author_may_edit(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = _post(ann)
    with pytest.raises(errors.Forbidden):
        service.edit_post(bob, post_id, PostEdit(text="mine now"))


def test_the_author_or_a_moderator_deletes_and_the_post_is_gone(make_user: MakeUser) -> None:
    ann, bob, mod = make_user("ann"), make_user("bob"), make_user("mod")
    first, second = _post(ann), _post(ann)
    service.get_post(bob, first)

    with pytest.raises(errors.Forbidden):
        service.delete_post(bob, "user", first)
    service.delete_post(ann, "user", first)
    service.delete_post(mod, "moderator", second)

    for post_id in (first, second):
        with pytest.raises(errors.NotFound):
            service.get_post(bob, post_id)
    row = db.fetch_one("SELECT deleted_by::text AS by FROM posts WHERE id = %s", (second,))
    assert row == {"by": mod}  # soft: the row stays
    assert service.user_posts_page(bob, "ann", _page()).items == []
    with pytest.raises(errors.NotFound):
        service.delete_post(ann, "user", first)


def test_likes_are_idempotent_and_counted(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = _post(ann)
    service.get_post(bob, post_id)

    service.like(bob, post_id)
    service.like(bob, post_id)
    seen = service.get_post(bob, post_id)
    assert (seen.like_count, seen.liked_by_me) == (1, True)
    assert service.get_post(ann, post_id).liked_by_me is False

    service.unlike(bob, post_id)
    service.unlike(bob, post_id)
    assert service.get_post(bob, post_id).like_count == 0


def test_the_single_post_cache_is_read_through_and_dropped_on_edits(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = _post(ann)
    key = f"post:{post_id}"
    assert cache.client().get(key) is None

    service.get_post(ann, post_id)
    assert cache.client().get(key) is not None
    # A hit serves the cached text: Postgres changing behind the cache's back is not seen...
    db.execute("UPDATE posts SET text = 'changed behind the cache' WHERE id = %s", (post_id,))
    assert service.get_post(ann, post_id).text == "hello"
    # ...but counts are always current,
    service.like(bob, post_id)
    assert service.get_post(ann, post_id).like_count == 1
    # and an edit drops the cached copy.
    service.edit_post(ann, post_id, PostEdit(text="edited"))
    assert service.get_post(bob, post_id).text == "edited"


def test_a_cached_copy_older_than_the_latest_edit_is_never_served(make_user: MakeUser) -> None:
    ann = make_user("ann")
    post_id = _post(ann)
    stale = service.get_post(ann, post_id).model_dump_json()
    service.edit_post(ann, post_id, PostEdit(text="new text"))
    # What a read that raced the edit would leave behind.
    cache.client().set(f"post:{post_id}", stale)
    assert service.get_post(ann, post_id).text == "new text"


def test_reads_work_when_redis_is_down(make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    ann = make_user("ann")
    post_id = _post(ann)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    from plaza import config

    config.reset_settings()
    cache.reset()
    assert service.get_post(ann, post_id).id == post_id
    service.like(ann, post_id)
    assert service.get_post(ann, post_id).like_count == 1


def _page(limit: int = 20, cursor: str | None = None):  # noqa: ANN202
    from plaza.models import PageQuery

    return PageQuery(limit=limit, cursor=cursor)


def test_created_at_is_recent_and_timezone_aware(make_user: MakeUser) -> None:
    post = service.create_post(make_user("ann"), PostIn(text="now")).post
    assert abs(post.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_create_starts_the_fanout_execution_named_after_the_post(
        make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    with stand_in_fanout_machine(monkeypatch) as (sfn, arn):
        ann = make_user("ann")
        created = service.create_post(ann, PostIn(text="fan me out"), "key-1").post
        service.create_post(ann, PostIn(text="fan me out"), "key-1")  # a replay starts nothing new

        executions = sfn.list_executions(stateMachineArn=arn)["executions"]
        assert [e["name"] for e in executions] == [f"post-{created.id}"]
        described = sfn.describe_execution(executionArn=executions[0]["executionArn"])
        assert json.loads(described["input"]) == {"post_id": created.id, "author_id": ann}


def test_without_a_state_machine_the_fanout_is_skipped_with_a_log_line(
        make_user: MakeUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("POST_FANOUT_STATE_MACHINE_ARN", raising=False)
    service.create_post(make_user("ann"), PostIn(text="quiet"))
    assert "fan-out skipped" in caplog.text
