"""The /_local page in headless Chromium: it renders the template, updates live, escapes data.

The browser comes from tests/support/browser.py (Debian's chromium, installed with apt when the
tests run as root). The screenshot is saved under screenshots/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.browser import (
    BrowserUnavailable,
    Chromium,
    find_or_install_chromium,
    headless_chromium,
)
from tests.support.local_cloud import RunningCloud

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[4]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "screenshots"))
XSS = "<img src=x onerror=window.__xss=1>"


@pytest.fixture(scope="module")
def chromium() -> Chromium:
    try:
        found = find_or_install_chromium()
    except BrowserUnavailable as reason:
        pytest.skip(str(reason))
    if found.installed_now:
        print(f"installed chromium + chromium-driver with apt in {found.install_seconds:.1f} s")
    return found


@pytest.fixture(scope="module")
def browser(chromium: Chromium) -> Iterator[Any]:
    with headless_chromium(chromium, width=1440, height=1100) as driver:
        yield driver


def wait_for(browser: Any, css: str, timeout: float = 10) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def click(browser: Any, css: str, timeout: float = 10) -> None:
    """Click the first match, again if a live update redrew it between finding and clicking."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            wait_for(browser, css, timeout).click()
            return
        except StaleElementReferenceException:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def text_of(browser: Any, css: str, timeout: float = 10) -> str:
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(wait_for(browser, css, timeout).text)
        except StaleElementReferenceException:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def rows(browser: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, css))


def wait_for_more(browser: Any, css: str, than: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(rows(browser, css)) <= than:
        assert time.monotonic() < deadline, f"no new {css} on the page"
        time.sleep(0.02)


def test_page_shows_routes_and_a_new_invocation_live_then_its_logs(
        cloud: RunningCloud, browser: Any) -> None:
    browser.get(f"{cloud.http_url}/_local")
    assert "HealthFunction" in text_of(browser, '#http-routes tr[data-route="GET /health"]')
    wait_for(browser, 'body[data-live="synced"]')
    health_rows = '#invocation-table tr[data-function="HealthFunction"]'
    before = len(rows(browser, health_rows))
    # A reload would drop this marker: the row must arrive over the live stream.
    browser.execute_script("window.__sameDocument = true")

    started = time.perf_counter()
    assert httpx.get(f"{cloud.http_url}/health", timeout=10).status_code == 200
    wait_for_more(browser, health_rows, before)
    seen_after = time.perf_counter() - started
    print(f"the invocation showed on the page {seen_after * 1000:.0f} ms after the request")
    assert browser.execute_script("return window.__sameDocument") is True
    assert seen_after < 3

    assert "ok" in text_of(browser, health_rows)
    click(browser, health_rows)
    assert "health check from 127.0.0.1" in text_of(browser, "#invocation-table tr.detail pre.logs")
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_run_now_button_fires_the_schedule_and_its_run_appears(
        cloud: RunningCloud, browser: Any) -> None:
    browser.get(f"{cloud.http_url}/_local")
    wait_for(browser, 'body[data-live="synced"]')
    nightly_rows = '#invocation-table tr[data-function="NightlyFunction"]'
    before = len(rows(browser, nightly_rows))

    click(browser, '#schedule-table button[data-schedule="NightlyFunction-Nightly"]')

    wait_for_more(browser, nightly_rows, before)
    assert "schedule" in text_of(browser, nightly_rows)


def test_data_from_handlers_is_shown_as_text_never_run_as_html(
        cloud: RunningCloud, browser: Any) -> None:
    browser.get(f"{cloud.http_url}/_local")
    wait_for(browser, 'body[data-live="synced"]')
    boom_rows = '#invocation-table tr[data-function="BoomFunction"]'
    before = len(rows(browser, boom_rows))
    response = httpx.post(f"{cloud.http_url}/boom/{quote(XSS, safe='')}", timeout=10)
    assert response.status_code == 500
    wait_for_more(browser, boom_rows, before)
    click(browser, boom_rows)

    assert XSS in text_of(browser, "#invocation-table tr.detail")
    assert browser.execute_script("return window.__xss") is None
    assert not rows(browser, "#invocation-table img")


def test_screenshot_of_the_page_is_a_rendered_dashboard(cloud: RunningCloud, browser: Any) -> None:
    from PIL import Image

    for _ in range(3):
        httpx.get(f"{cloud.http_url}/health", timeout=10)
    browser.get(f"{cloud.http_url}/_local")
    wait_for(browser, '#invocation-table tr[data-function="HealthFunction"]')
    wait_for(browser, '#http-routes tr[data-route="GET /health"]')
    time.sleep(0.3)  # let the fresh-row highlight settle
    png = browser.get_screenshot_as_png()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "console.png").write_bytes(png)

    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.width >= 1200 and image.height >= 900
    pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200, "too few colours for a rendered page"
    light = sum(count for count, (r, g, b) in colours if min(r, g, b) >= 245)
    assert light / (image.width * image.height) < 0.9, "the page is mostly blank"
    # The dark header bar is drawn across the top.
    r, g, b = pixels.getpixel((image.width // 2, 10))
    assert max(r, g, b) < 80
