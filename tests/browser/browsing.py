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


def fill_form(page, **fields: str) -> None:
    """Fill an operation form's fields by name (inputs, text areas and selects alike)."""
    for name, value in fields.items():
        field = page.locator(f"#id_{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def take_transition(page, name: str, reason: str, password: str | None = None) -> None:
    """Open a transition of the status panel, give the reason (and the password for a signed one), take it."""
    transition = page.locator(f"details.transition[data-transition={name}]")
    if transition.count() == 0:
        blocked = page.get_by_test_id("blocked-transitions")
        why = blocked.inner_text() if blocked.count() else "not offered"
        raise AssertionError(f"{name} is not offered on {page.url}: {why}")
    transition.locator("summary").click()
    transition.locator("textarea[name=reason]").fill(reason)
    if password is not None:
        transition.locator("input[name=password]").fill(password)
    transition.locator("button[type=submit]").click()
