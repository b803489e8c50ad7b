"""The back office through the local cloud: demo activity, a rollup, the analytics route; the
admin OpenAPI and Swagger UI for admins only; the dashboard rendering its charts in Chromium.

Local only: the staff are promoted in the database and the rollup schedule is fired in-process.
The screenshot is an artifact for a human (screenshots/, gitignored, or SCREENSHOTS_DIR).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from localcloud.event_sources import EventSources
from plaza.admin import repo as admin_repo
from tests.support.browser import (
    BrowserUnavailable,
    Chromium,
    find_or_install_chromium,
    headless_chromium,
)
from tests.support.deployment import Deployment
from tests.support.identity import E2E_PASSWORD
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member, frames_before_pong

pytestmark = [pytest.mark.e2e,
              pytest.mark.local_only(reason="promotes staff in the database in-process")]

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "screenshots"))
PROBLEM = "application/problem+json"


class Staff:
    """The people of one module: two members with activity, a moderator and an admin."""

    def __init__(self, deployment: Deployment, stack: ExitStack) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.ann = Member(deployment, stack, f"ann_{suffix}")
        self.bob = Member(deployment, stack, f"bob_{suffix}")
        self.mod = self._promoted(deployment, stack, f"mod_{suffix}", "moderator")
        self.boss = self._promoted(deployment, stack, f"boss_{suffix}", "admin")

    @staticmethod
    def _promoted(deployment: Deployment, stack: ExitStack, name: str, role: str) -> Member:
        member = Member(deployment, stack, name)
        admin_repo.set_role(member.id, role)
        member.devices = {}
        member.sign_in("staff-" + uuid.uuid4().hex[:8])  # the new token carries the role
        return member


@pytest.fixture(scope="module")
def staff(deployment: Deployment) -> Iterator[Staff]:
    with ExitStack() as stack:
        yield Staff(deployment, stack)


@pytest.fixture(scope="module")
def rolled_up(staff: Staff, main_cloud: RunningCloud) -> dict[str, Any]:
    """Demo activity (posts, a like, a comment, a chat, a report, an open socket), then the
    hourly rollup fired as its schedule would."""
    ann, bob = staff.ann, staff.bob
    with ann.http() as ann_http, bob.http() as bob_http:
        posts = [ann_http.post("/v1/posts", json={"text": f"analytics {n}"}).json()["id"]
                 for n in range(3)]
        assert bob_http.put(f"/v1/posts/{posts[0]}/like").status_code == 204
        assert bob_http.post(f"/v1/posts/{posts[0]}/comments",
                             json={"text": "nice"}).status_code == 201
        chat = ann_http.post("/v1/conversations", json={"usernames": [bob.username]})
        assert chat.status_code == 201, chat.text
        sent = ann_http.post(f"/v1/conversations/{chat.json()['id']}/messages",
                             json={"text": "hi", "client_msg_id": "m1"})
        assert sent.status_code == 201, sent.text
        assert bob_http.post("/v1/reports", json={"target_type": "post", "target_id": posts[1],
                                                  "reason": "spam"}).status_code == 201
    socket = bob.socket()
    frames_before_pong(socket)  # open and registered
    sources = next(c for c in main_cloud.cloud.components if isinstance(c, EventSources))
    return dict(main_cloud.run(sources.trigger_schedule("AnalyticsRollupFunction")))


def test_the_analytics_route_shows_the_demo_activity_after_a_rollup(
        staff: Staff, rolled_up: dict[str, Any]) -> None:
    assert len(rolled_up["hours"]) == 2
    with staff.mod.http() as http:
        hourly = http.get("/v1/admin/analytics", params={
            "granularity": "hour", "metrics": "dau,posts,likes,comments,messages,conversations,"
            "reports,open_reports,signups,peak_connections"})
        assert hourly.status_code == 200, hourly.text
        body = hourly.json()
        assert len(body["buckets"]) == 48 and set(body) == {"granularity", "from", "to",
                                                             "buckets", "series"}
        now = {metric: values[-1] for metric, values in body["series"].items()}
        # Other modules share the cloud: at least this module's activity is counted.
        assert now["posts"] >= 3 and now["likes"] >= 1 and now["comments"] >= 1
        assert now["messages"] >= 1 and now["conversations"] >= 1 and now["reports"] >= 1
        assert now["open_reports"] >= 1 and now["signups"] >= 4
        # ann and bob made authenticated requests before the rollup (the staff only signed in).
        assert now["dau"] >= 2
        assert now["peak_connections"] >= 1

        daily = http.get("/v1/admin/analytics", params={"metrics": "dau,wau,mau,posts"})
        assert daily.status_code == 200, daily.text
        today = {metric: values[-1] for metric, values in daily.json()["series"].items()}
        assert today["mau"] >= today["wau"] >= today["dau"] >= 2 and today["posts"] >= 3


@pytest.mark.parametrize(("params", "status"), [
    ({"metrics": "dau,nonsense"}, 422),
    ({"metrics": "wau", "granularity": "hour"}, 422),
    ({"granularity": "week"}, 422),
    ({"from": "2020-01-01", "to": "2026-01-01"}, 422),
    ({"from": "2026-01-02", "to": "2026-01-01"}, 422),
    ({"from": "yesterday"}, 422),
])
def test_bad_metrics_and_ranges_are_problems(staff: Staff, params: dict[str, str],
                                             status: int) -> None:
    with staff.mod.http() as http:
        answer = http.get("/v1/admin/analytics", params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM


def test_analytics_are_for_staff_and_the_openapi_for_admins_only(
        staff: Staff, deployment: Deployment) -> None:
    with staff.ann.http() as ann_http, staff.mod.http() as mod_http, \
            staff.boss.http() as boss_http, deployment.client() as anonymous:
        assert ann_http.get("/v1/admin/analytics").status_code == 403
        assert anonymous.get("/v1/admin/analytics").status_code == 401
        assert mod_http.get("/v1/admin/openapi.json").status_code == 403
        assert anonymous.get("/v1/admin/openapi.json").status_code == 401
        spec = boss_http.get("/v1/admin/openapi.json")
        assert spec.status_code == 200, spec.text
        assert {"/v1/admin/analytics", "/v1/admin/reports", "/v1/admin/queues"} <= set(
            spec.json()["paths"])


def test_the_pages_are_served_from_the_function_with_no_cdn(deployment: Deployment) -> None:
    with deployment.client() as anonymous:
        for path in ("/v1/admin", "/v1/admin/", "/v1/admin/docs"):
            page = anonymous.get(path)
            assert page.status_code == 200, page.text
            assert page.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert "http://" not in page.text and "https://" not in page.text
        for name, kind in (("uPlot.iife.min.js", "text/javascript"),
                           ("swagger-ui-bundle.js", "text/javascript"),
                           ("swagger-ui.css", "text/css"), ("dashboard.js", "text/javascript")):
            asset = anonymous.get(f"/v1/admin/assets/{name}")
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        missing = anonymous.get("/v1/admin/assets/..%2Ftemplate.yaml")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == PROBLEM


@pytest.fixture(scope="module")
def chromium() -> Chromium:
    try:
        return find_or_install_chromium()
    except BrowserUnavailable as reason:
        pytest.skip(str(reason))


def _wait_for(browser: Any, css: str, timeout: float = 20) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _series_pixels(browser: Any, css: str, rgb: tuple[int, int, int]) -> int:
    """Pixels of the chart's canvas in the first series' colour: what uPlot drew of the data
    (the grid and axes are grey, so an empty chart has none)."""
    return int(browser.execute_script(
        "const [css, r, g, b] = arguments; const c = document.querySelector(css);"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        "for (let i = 0; i < d.length; i += 4) {"
        "  if (d[i + 3] > 200 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g)"
        "      + Math.abs(d[i + 2] - b) < 40) n++; }"
        "return n;", css, *rgb))


def test_the_dashboard_signs_an_admin_in_and_draws_the_charts_then_the_docs(
        staff: Staff, rolled_up: dict[str, Any], deployment: Deployment,
        chromium: Chromium) -> None:
    with headless_chromium(chromium, width=1440, height=1500) as browser:
        browser.get(f"{deployment.http_url}/v1/admin/")  # the gateway routes it as /v1/admin
        _wait_for(browser, 'body[data-state="signed-out"] #login-form')
        browser.find_element("css selector", "#login-form [name=username]").send_keys(
            staff.boss.username)
        browser.find_element("css selector", "#login-form [name=password]").send_keys(E2E_PASSWORD)
        browser.find_element("css selector", "#login-form button").click()
        _wait_for(browser, 'body[data-state="ready"]')

        charts = browser.find_elements("css selector", "#charts .chart[data-chart]")
        assert {chart.get_attribute("data-chart") for chart in charts} == {
            "active", "content", "chat", "growth", "moderation", "sockets"}
        assert int(_wait_for(browser, '[data-chart="content"]').get_attribute("data-points")) >= 3
        assert _series_pixels(browser, '[data-chart="content"] canvas', (59, 91, 219)) > 5
        posts = browser.find_element("css selector", '[data-metric="posts"] .value').text
        assert int(posts.replace(",", "")) >= 3
        queues = browser.find_elements("css selector", "#queues tbody tr[data-queue]")
        assert {row.get_attribute("data-queue") for row in queues} >= {"notifications", "email"}
        png = browser.get_screenshot_as_png()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "backoffice-dashboard.png").write_bytes(png)
        assert png.startswith(b"\x89PNG")

        browser.find_element("css selector", 'button[data-granularity="hour"]').click()
        eventually(lambda: browser.find_element("css selector", "body").get_attribute(
            "data-state") == "ready" and not browser.find_elements(
            "css selector", '[data-metric="wau"]'), timeout=20)

        # The docs page takes the token this tab holds and shows the admin routes.
        browser.get(f"{deployment.http_url}/v1/admin/docs")
        _wait_for(browser, 'body[data-state="ready"]')
        _wait_for(browser, ".opblock")
        assert "/v1/admin/analytics" in browser.find_element("css selector", "#swagger-ui").text
        (SCREENSHOTS / "backoffice-docs.png").write_bytes(browser.get_screenshot_as_png())


def test_the_docs_page_refuses_a_moderators_token(staff: Staff, deployment: Deployment,
                                                  chromium: Chromium) -> None:
    device = next(iter(staff.mod.devices))
    with headless_chromium(chromium) as browser:
        browser.get(f"{deployment.http_url}/v1/admin/docs")
        _wait_for(browser, "#token-form")
        browser.find_element("css selector", "#token-form [name=token]").send_keys(
            staff.mod.devices[device]["access_token"])
        browser.find_element("css selector", "#token-form [name=device]").send_keys(device)
        browser.find_element("css selector", "#token-form button").click()
        eventually(lambda: "admin" in browser.find_element("css selector",
                                                           "#sign-in-error").text, timeout=20)
        assert not browser.find_elements("css selector", ".opblock")


def test_a_client_without_a_token_sees_no_admin_data(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.http_url, timeout=30) as anonymous:
        assert anonymous.get("/v1/admin/queues").status_code == 401
