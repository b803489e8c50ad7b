"""Headless Chromium for the browser tests: find it, or install Debian's packages when root.

A fresh machine has no browser. When running as root the tests install `chromium` and
`chromium-driver` with apt (once; a file lock keeps parallel sessions from racing apt's own
lock); otherwise they skip with the command to run. Nothing here downloads a browser from
anywhere but the distribution's archive: Selenium is handed both paths, so Selenium Manager
never goes looking online.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

PACKAGES = ("chromium", "chromium-driver")
INSTALL_HINT = "sudo apt-get install -y chromium chromium-driver"
# Quiet, offline, reproducible: no GPU, no network chatter, no first-run UI, no shared profile.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--force-color-profile=srgb",
)


class BrowserUnavailable(RuntimeError):
    """No Chromium here and no way to install it; the message says what to do."""


@dataclass(frozen=True)
class Chromium:
    binary: str
    driver: str
    installed_now: bool = False
    install_seconds: float = 0.0


def _which(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                       else None)
        if found:
            return found
    return None


def _installed() -> tuple[str, str] | None:
    binary = _which("chromium", "chromium-browser")
    driver = _which("chromedriver")
    return (binary, driver) if binary and driver else None


def _apt_install() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Wait for apt's lock rather than fail when another apt is running.
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y",
               "--no-install-recommends", *PACKAGES]
    first = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if first.returncode == 0:
        return
    # A fresh machine may have empty package lists.
    subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update"], env=env,
                   capture_output=True, text=True, check=False)
    second = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if second.returncode != 0:
        raise BrowserUnavailable(
            f"apt-get could not install {' '.join(PACKAGES)}: {second.stderr.strip()[-500:]}")


def find_or_install_chromium() -> Chromium:
    """Chromium and its driver: /usr/bin's, else installed with apt as root, else unavailable."""
    found = _installed()
    if found:
        return Chromium(*found)
    if os.geteuid() != 0:
        raise BrowserUnavailable(f"Chromium is not installed and this user cannot install it; "
                                 f"run: {INSTALL_HINT}")
    if shutil.which("apt-get") is None:
        raise BrowserUnavailable("Chromium is not installed and there is no apt-get here")
    lock_path = Path(tempfile.gettempdir()) / "plaza-chromium-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _installed()  # another session may have finished while we waited
        if found:
            return Chromium(*found)
        started = time.perf_counter()
        _apt_install()
        seconds = time.perf_counter() - started
    found = _installed()
    if not found:
        raise BrowserUnavailable(f"apt-get finished but chromium/chromedriver are still missing; "
                                 f"try: {INSTALL_HINT}")
    return Chromium(*found, installed_now=True, install_seconds=seconds)


@contextmanager
def headless_chromium(chromium: Chromium, width: int = 1400, height: int = 1000) -> Iterator[Chrome]:
    """A Selenium-driven headless Chromium with a throwaway profile, quit afterwards."""
    from selenium.webdriver import Chrome, ChromeOptions
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="plaza-chromium-") as profile:
        options = ChromeOptions()
        options.binary_location = chromium.binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        driver = Chrome(options=options, service=Service(executable_path=chromium.driver))
        try:
            yield driver
        finally:
            driver.quit()
