"""What the browser tests do again and again: sign in and out as a demo user."""

from __future__ import annotations

from urllib.parse import urlparse

PASSWORD = "atmp-demo-2026!"  # the demo's password (atmp.demo.PASSWORD)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through /login/ and wait for the start page."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def sign_out(page) -> None:
    """Sign out with the top bar's button."""
    page.click("text=Sign out")
    page.wait_for_url("**/login/")
