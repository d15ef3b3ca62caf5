"""A real atmp server (fresh ATMP_HOME, `atmp init`, `atmp demo`, `atmp serve`) and Debian's Chromium.

The server runs in a subprocess on a free port of 127.0.0.1; every page the browser opens is
watched, and any request to another host fails the test (atmp must work with no internet).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.helpers import atmp_command, run_atmp, sqlite_ledger

CHROMIUM = "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("ATMP_REQUIRE_BROWSER") == "1"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`atmp serve` exited {server.returncode}:\n{server.stderr.read() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http://127.0.0.1 URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"`atmp serve` did not answer {url} within {timeout:.0f} s")


@dataclass
class Server:
    """The running atmp: its base URL and its ATMP_HOME."""

    url: str
    home: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return self.home / "atmp.sqlite3"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Return Debian's Chromium, or skip (fail with ATMP_REQUIRE_BROWSER=1) when it is missing."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = "Debian chromium not installed (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason}, and ATMP_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start `atmp serve` on a fresh, demo-loaded ATMP_HOME; stop it at the end of the session."""
    # `atmp init` on a copy of the migrated database the subprocess tests share (made once a run);
    # production's settings but for the password hasher: the demo checks a password for each of its
    # ~400 signatures, ~20 s at production's Argon2id cost (atmp.quick_hash_settings says why).
    ledger = sqlite_ledger(tmp_path_factory.mktemp("browser"), DJANGO_SETTINGS_MODULE="atmp.quick_hash_settings")
    home, env = ledger.home, ledger.env
    run_atmp(["demo"], env)
    port = _free_port()
    server = subprocess.Popen(
        [*atmp_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env | {"ATMP_TICK_SECONDS": "0"},  # no checkpoint entries appear mid-session
        cwd=str(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/login/", server)
        yield Server(url=url, home=home, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    """Launch Debian's Chromium once for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Outside:
    """Requests the page tried to make to a host other than 127.0.0.1."""

    urls: list[str] = field(default_factory=list)


@pytest.fixture
def outside() -> Outside:
    """Return the record of requests that tried to leave 127.0.0.1 (the page fixture fills it)."""
    return Outside()


@pytest.fixture
def page(browser, server: Server, outside: Outside) -> Iterator[object]:
    """Return a fresh page (own cookies) that refuses, and reports, any request leaving 127.0.0.1."""
    yield from local_only_page(browser, server, outside, viewport={"width": 1360, "height": 900}, accept_downloads=True)


def local_only_page(browser, server: Server, outside: Outside, **options) -> Iterator[object]:
    """Yield a fresh page in a context made with `options`; fail the test if it reached beyond 127.0.0.1."""
    context = browser.new_context(base_url=server.url, **options)

    def guard(route, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            outside.urls.append(request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert outside.urls == [], f"the page tried to reach hosts other than 127.0.0.1: {outside.urls}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the (git-ignored) folder for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
