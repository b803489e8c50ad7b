"""Search tests: clean stores, a fresh cache client, users and posts made through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from plaza.posts import service as posts
from plaza.posts.models import PostIn
from plaza.stores import cache, db
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["MakeUser", "make_user"]

MakePost = Callable[..., str]


@pytest.fixture(autouse=True)
def _fresh_cache(clean_stores: object) -> Iterator[None]:
    cache.reset()
    yield
    cache.reset()


@pytest.fixture
def make_post(clean_stores: object) -> MakePost:
    """A post through the posts service (hashtags and mentions as the route writes them)."""

    def make(author_id: str, text: str, visibility: str = "public") -> str:
        return posts.create_post(author_id, PostIn(text=text, visibility=visibility)).post.id  # type: ignore[arg-type]

    return make


def set_profile(user_id: str, display_name: str = "", bio: str = "") -> None:
    db.execute("UPDATE users SET display_name = %s, bio = %s WHERE id = %s",
               (display_name, bio, user_id))
