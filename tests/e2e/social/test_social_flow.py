"""Profiles, follows and blocks through the stack, behind the gateway authorizer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.apps import SignedInApp as App
from tests.support.deployment import Deployment

pytestmark = pytest.mark.e2e


@pytest.fixture
def apps(deployment: Deployment) -> Iterator[tuple[App, App]]:
    suffix = uuid.uuid4().hex[:8]
    alice, bob = App(deployment, f"alice_{suffix}"), App(deployment, f"bob_{suffix}")
    yield alice, bob
    alice.close()
    bob.close()


def test_follow_shows_in_counts_lists_and_a_block_hides_both_ways(apps: tuple[App, App]) -> None:
    alice, bob = apps
    assert alice.http.put(f"/v1/users/{bob.username}/follow").status_code == 204
    assert alice.http.put(f"/v1/users/{bob.username}/follow").status_code == 204  # idempotent
    assert bob.http.put(f"/v1/users/{alice.username}/follow").status_code == 204

    profile = alice.http.get(f"/v1/users/{bob.username}")
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert (body["follower_count"], body["following_count"]) == (1, 1)
    assert body["followed_by_me"] and body["follows_me"]
    followers = bob.http.get(f"/v1/users/{bob.username}/followers", params={"limit": 10}).json()
    assert [item["username"] for item in followers["items"]] == [alice.username]
    assert followers["next_cursor"] is None

    assert alice.http.put(f"/v1/users/{bob.username}/block").status_code == 204
    for app, other in ((alice, bob), (bob, alice)):
        hidden = app.http.get(f"/v1/users/{other.username}")
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json"
        assert app.http.put(f"/v1/users/{other.username}/follow").status_code == 404
    me = alice.http.get("/v1/users/me").json()
    assert (me["follower_count"], me["following_count"]) == (0, 0)
    blocks = alice.http.get("/v1/users/me/blocks").json()
    assert [item["username"] for item in blocks["items"]] == [bob.username]

    assert alice.http.delete(f"/v1/users/{bob.username}/block").status_code == 204
    assert bob.http.get(f"/v1/users/{alice.username}").json()["follows_me"] is False


def test_patch_me_then_others_see_the_profile(apps: tuple[App, App]) -> None:
    alice, bob = apps
    changed = alice.http.patch("/v1/users/me", json={"display_name": "Alice", "bio": "hello"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["bio"] == "hello"
    seen = bob.http.get(f"/v1/users/{alice.username}").json()
    assert (seen["display_name"], seen["bio"]) == ("Alice", "hello")
    too_long = alice.http.patch("/v1/users/me", json={"bio": "x" * 10_240})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"


def test_the_routes_need_a_token(deployment: Deployment, apps: tuple[App, App]) -> None:
    _, bob = apps
    with deployment.client() as anonymous:
        assert anonymous.get(f"/v1/users/{bob.username}").status_code == 401
        assert anonymous.put(f"/v1/users/{bob.username}/follow",
                             headers={"x-device-id": "e2e-nobody-01"}).status_code == 401


def test_a_bad_page_request_is_a_problem(apps: tuple[App, App]) -> None:
    alice, _ = apps
    for params in ({"limit": 101}, {"cursor": "garbage"}):
        response = alice.http.get(f"/v1/users/{alice.username}/following", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


def test_counts_stay_exact_under_twenty_concurrent_requests(deployment: Deployment) -> None:
    suffix = uuid.uuid4().hex[:8]
    star = App(deployment, f"star_{suffix}")
    fans = [App(deployment, f"fan{i}_{suffix}") for i in range(10)]
    path = f"/v1/users/{star.username}/follow"
    try:
        # Each fan twice at once: several Lambda containers, each with its own connection.
        for method, expected in (("PUT", 10), ("DELETE", 0)):
            with ThreadPoolExecutor(max_workers=20) as pool:
                statuses = list(pool.map(lambda app, m=method: app.http.request(m, path).status_code,
                                         fans + fans))
            assert statuses == [204] * 20
            profile = star.http.get("/v1/users/me").json()
            page = star.http.get("/v1/users/me/followers", params={"limit": 100}).json()
            assert profile["follower_count"] == len(page["items"]) == expected
    finally:
        for app in [star, *fans]:
            app.close()
