"""GET /v1/feed/explore's service: popular public posts of people the viewer does not follow."""

from __future__ import annotations

from plaza.feeds import service
from plaza.models import PageQuery
from plaza.stores import db
from tests.integration.feeds.conftest import Graph


def test_explore_ranks_public_posts_of_people_not_followed(graph: Graph) -> None:
    viewer, followed = graph.user("viewer"), graph.user("followed")
    popular, quiet = graph.user("popular"), graph.user("quiet")
    blocker, hidden = graph.user("blocker"), graph.user("hidden")
    graph.follow(viewer, followed)
    graph.block(blocker, viewer)
    graph.post(followed, likes=50)
    graph.post(viewer, likes=90)
    graph.post(blocker, likes=80)
    graph.post(popular, "followers only", visibility="followers", likes=70)
    best = graph.post(popular, "best", likes=40)
    second = graph.post(quiet, "second", likes=3)
    gone = graph.post(hidden, likes=60)
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (gone,))
    old = graph.post(quiet, "old", likes=99)
    db.execute("UPDATE posts SET created_at = now() - interval '30 days' WHERE id = %s", (old,))

    page = service.explore_page(viewer, PageQuery(limit=10))
    assert [post.id for post in page.items] == [best, second]
    assert page.next_cursor is None
    assert [post.id for post in service.explore_page(viewer, PageQuery(limit=1)).items] == [best]
