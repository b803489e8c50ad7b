"""Feed rules for readers: the home and explore pages (fan-out on write is plaza.feeds.fanout).

Hybrid fan-out: an author with more than FANOUT_FOLLOWER_THRESHOLD followers is not written into
followers' feeds (one post would cost a million rows); home pages merge such authors' newest posts
in at read time. A viewer's own posts are merged the same way, so they show at once.
"""

from __future__ import annotations

import datetime as dt

from plaza.config import settings
from plaza.feeds import home_cache, repo
from plaza.feeds.repo import Key
from plaza.media.service import posts_with_media
from plaza.models import PageQuery, PostOut, PostPage
from plaza.pagination import decode_cursor, page_of

# Explore ranks the newest public posts of this window, at most this many of them.
EXPLORE_WINDOW = dt.timedelta(days=7)
EXPLORE_CANDIDATES = 1000


def home_page(viewer_id: str, query: PageQuery) -> PostPage:
    """One page of the viewer's home feed, newest first; stable while new posts arrive.

    First pages are read through plaza.feeds.home_cache: the most read page, and the one every
    new post changes. Later pages always come from Postgres.
    """
    after = decode_cursor(query.cursor)
    if after is None:
        return _first_home_page(viewer_id, query.limit)
    return _home_page_from_db(viewer_id, query.limit, after)


def _home_page_from_db(viewer_id: str, limit: int, after: Key | None) -> PostPage:
    rows = repo.home_page(viewer_id, settings().fanout_follower_threshold, limit + 1, after)
    items, next_cursor = page_of(rows, limit, "created_at", "id")
    return PostPage(items=posts_with_media([PostOut(**row) for row in items]),
                    next_cursor=next_cursor)


def _first_home_page(viewer_id: str, limit: int) -> PostPage:
    """The first page, from the cache when it holds a current one.

    Only ids are cached; the posts are read again from Postgres by primary key with every rule of
    the page re-checked (deleted, author inactive, unfollowed, blocked either way). So a cached
    page can never show a deleted post or a blocked user's post, whatever invalidation missed,
    and counts and liked_by_me are live. Precise invalidation instead would mean bumping every
    follower of an author on each delete or deactivation: a fan-out of its own. If any cached
    post is no longer shown, the page is read afresh so it is not one post short.
    """
    lookup = home_cache.first_page(viewer_id, limit)
    if lookup.page is not None:
        rows = repo.home_posts(viewer_id, lookup.page.ids)
        if len(rows) == len(lookup.page.ids):
            home_cache.count_read(hit=True)
            return PostPage(items=posts_with_media(
                [PostOut(**rows[post_id]) for post_id in lookup.page.ids]),
                            next_cursor=lookup.page.next_cursor)
    home_cache.count_read(hit=False)
    page = _home_page_from_db(viewer_id, limit, None)
    if lookup.version is not None:
        home_cache.store_first_page(viewer_id, limit, lookup.version, home_cache.CachedPage(
            [post.id for post in page.items], page.next_cursor))
    return page


def explore_page(viewer_id: str, query: PageQuery) -> PostPage:
    """Popular recent public posts from people the viewer does not follow: one bounded page.

    Ranked by engagement, which changes between requests, so there is no stable next page to
    point at: next_cursor is always null and a client refreshes instead.
    """
    since = dt.datetime.now(dt.UTC) - EXPLORE_WINDOW
    rows = repo.explore_page(viewer_id, since, EXPLORE_CANDIDATES, query.limit)
    return PostPage(items=posts_with_media([PostOut(**row) for row in rows]), next_cursor=None)
