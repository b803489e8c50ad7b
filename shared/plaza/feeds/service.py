"""Feed rules for readers: the home and explore pages (fan-out on write is plaza.feeds.fanout).

Hybrid fan-out: an author with more than FANOUT_FOLLOWER_THRESHOLD followers is not written into
followers' feeds (one post would cost a million rows); home pages merge such authors' newest posts
in at read time. A viewer's own posts are merged the same way, so they show at once.
"""

from __future__ import annotations

import datetime as dt

from plaza.config import settings
from plaza.feeds import repo
from plaza.pagination import decode_cursor, page_of
from plaza.posts.models import PostOut, PostPage
from plaza.social.models import PageQuery

# Explore ranks the newest public posts of this window, at most this many of them.
EXPLORE_WINDOW = dt.timedelta(days=7)
EXPLORE_CANDIDATES = 1000


def home_page(viewer_id: str, query: PageQuery) -> PostPage:
    """One page of the viewer's home feed, newest first; stable while new posts arrive."""
    after = decode_cursor(query.cursor)
    rows = repo.home_page(viewer_id, settings().fanout_follower_threshold, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "created_at", "id")
    return PostPage(items=[PostOut(**row) for row in items], next_cursor=next_cursor)


def explore_page(viewer_id: str, query: PageQuery) -> PostPage:
    """Popular recent public posts from people the viewer does not follow: one bounded page.

    Ranked by engagement, which changes between requests, so there is no stable next page to
    point at: next_cursor is always null and a client refreshes instead.
    """
    since = dt.datetime.now(dt.UTC) - EXPLORE_WINDOW
    rows = repo.explore_page(viewer_id, since, EXPLORE_CANDIDATES, query.limit)
    return PostPage(items=[PostOut(**row) for row in rows], next_cursor=None)
