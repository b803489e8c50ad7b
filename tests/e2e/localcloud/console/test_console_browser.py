"""The /_local page in headless Chromium: it renders the template, updates live, escapes data.

The browser comes from tests/support/browser.py (Debian's chromium, installed with apt when the
tests run as root). The tests read the page's DOM; the screenshot is only an artifact, saved under
screenshots/ (gitignored, or SCREENSHOTS_DIR) for a human to look at.
"""

from __future__ import annotations

import os
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
from tests.support.polling import eventually

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


def redrawn() -> tuple[type[Exception], ...]:
    """What a live update does to an element found a moment before it redrew the table."""
    from selenium.common.exceptions import StaleElementReferenceException

    return (StaleElementReferenceException,)


def click(browser: Any, css: str, timeout: float = 10) -> None:
    """Click the first match, again if a live update redrew it between finding and clicking."""
    def clicked() -> bool:
        wait_for(browser, css, timeout).click()
        return True

    eventually(clicked, timeout=timeout, every=0.05, ignoring=redrawn())


def text_of(browser: Any, css: str, timeout: float = 10) -> str:
    def text() -> str | None:
        return str(wait_for(browser, css, timeout).text) or None

    return eventually(text, timeout=timeout, every=0.05, ignoring=redrawn())


def rows(browser: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, css))


def wait_for_more(browser: Any, css: str, than: int, timeout: float = 10) -> None:
    def more() -> bool:
        return len(rows(browser, css)) > than

    more.__name__ = f"more {css} than {than}"
    eventually(more, timeout=timeout, every=0.02)


def test_page_shows_routes_and_a_new_invocation_live_then_its_logs(
        cloud: RunningCloud, browser: Any) -> None:
    browser.get(f"{cloud.http_url}/_local")
    assert "HealthFunction" in text_of(browser, '#http-routes tr[data-route="GET /health"]')
    wait_for(browser, 'body[data-live="synced"]')
    health_rows = '#invocation-table tr[data-function="HealthFunction"]'
    before = len(rows(browser, health_rows))
    # A reload would drop this marker: the row must arrive over the live stream.
    browser.execute_script("window.__sameDocument = true")

    assert httpx.get(f"{cloud.http_url}/health", timeout=10).status_code == 200
    wait_for_more(browser, health_rows, before)
    assert browser.execute_script("return window.__sameDocument") is True

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


def stats(browser: Any) -> dict[str, str]:
    """The summary cards, label -> value, from the DOM (the page's CSS upper-cases labels)."""
    def read() -> dict[str, str]:
        return {str(card.find_element("css selector", ".label").get_attribute("textContent")):
                str(card.find_element("css selector", ".value").get_attribute("textContent"))
                for card in rows(browser, "#stats .stat")}

    return eventually(read, timeout=10, every=0.05, ignoring=redrawn())


def test_page_renders_a_dashboard_of_the_stack_and_keeps_a_screenshot(
        cloud: RunningCloud, browser: Any) -> None:
    for _ in range(3):
        assert httpx.get(f"{cloud.http_url}/health", timeout=10).status_code == 200
    browser.get(f"{cloud.http_url}/_local")
    wait_for(browser, 'body[data-live="synced"]')
    wait_for(browser, '#invocation-table tr[data-function="HealthFunction"]')
    wait_for(browser, '#http-routes tr[data-route="GET /health"]')
    png = browser.get_screenshot_as_png()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "console.png").write_bytes(png)
    assert png.startswith(b"\x89PNG")

    assert browser.title == "Plaza · local cloud"
    assert text_of(browser, ".topbar .title") == "Plaza local cloud"
    eventually(lambda: text_of(browser, "#live-text") == "live", timeout=10)
    summary = stats(browser)
    assert int(summary["Invocations"]) >= 3
    assert int(summary["Functions"]) >= 1 and int(summary["Routes"]) >= 1
    assert summary["Errors"].isdigit()
    assert int(text_of(browser, '#tabs [data-count="routes"]')) >= 1
    assert len(rows(browser, '#invocation-table tr[data-function="HealthFunction"]')) >= 3
    # The stylesheet is applied: the header is the dark bar the design draws across the top.
    background = browser.execute_script(
        "return getComputedStyle(document.querySelector('.topbar')).backgroundColor")
    red, green, blue = (int(part) for part in background[background.index("(") + 1:
                                                         background.index(")")].split(",")[:3])
    assert max(red, green, blue) < 80, background
