"""atmp behind a TLS reverse proxy: forwarded headers from trusted proxies only, secure cookies, HSTS, CSP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from atmp.testing import PASSWORD

PUBLIC = "https://atmp.example.org"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
TEMPLATES = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind_proxy(settings):
    """The settings ATMP_PUBLIC_URL=https://atmp.example.org ATMP_TRUSTED_PROXIES=127.0.0.1 give."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "atmp.example.org"]
    settings.CSRF_TRUSTED_ORIGINS = [PUBLIC]
    settings.ATMP_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


def via_proxy(**extra: str) -> dict[str, str]:
    """Return what nginx (contrib/deploy/nginx.conf) adds to a request it passes on from 198.51.100.7."""
    return {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "atmp.example.org",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "198.51.100.7",
        **extra,
    }


def test_a_sign_in_post_through_the_proxy_works_with_secure_cookies(behind_proxy, qa_reviewer):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/", **via_proxy())
    assert page.status_code == 200
    assert page.cookies["csrftoken"]["secure"] is True
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        "/login/",
        {"username": "rita", "password": PASSWORD, "csrfmiddlewaretoken": token},
        **via_proxy(HTTP_ORIGIN=PUBLIC, HTTP_REFERER=f"{PUBLIC}/login/"),
    )
    assert response.status_code == 302 and not response["Location"].startswith("/login/")
    assert response.cookies["sessionid"]["secure"] is True and response.cookies["sessionid"]["httponly"] is True
    assert client.get("/", **via_proxy()).status_code == 200


def seen_by_a_view(meta: dict[str, str]) -> dict[str, object]:
    """Return the client address and scheme a view sees for a request with these headers."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from atmp.web.security import TrustedProxyMiddleware

    seen: dict[str, object] = {}

    def view(request):
        seen.update(addr=request.META["REMOTE_ADDR"], secure=request.is_secure())
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", **meta))
    return seen


def test_the_client_address_is_the_one_the_proxy_saw(behind_proxy):
    spoofed = via_proxy(HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")  # the client wrote the first hop
    assert seen_by_a_view(spoofed) == {"addr": "198.51.100.7", "secure": True}


def test_forwarded_headers_from_anyone_else_are_ignored(behind_proxy, db):
    direct = via_proxy(REMOTE_ADDR="203.0.113.9")  # not the proxy: claims https and another client
    assert seen_by_a_view(direct) == {"addr": "203.0.113.9", "secure": False}
    assert "Strict-Transport-Security" not in Client().get("/login/", **direct)


def test_every_response_carries_the_security_headers(behind_proxy, as_reviewer):
    for url in ("/login/", "/", "/audit/", "/stats/", "/api/v1/openapi.json", "/no-such-page/"):
        response = as_reviewer.get(url, **via_proxy())
        assert response["Content-Security-Policy"] == CSP, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url


# Rendered only into a PDF by WeasyPrint, never served to a browser, so no Content-Security-Policy
# applies: a label's page size and type size are computed per label size, in its own <style>; the
# EM monthly summary's page is landscape A4 (environment/printed.py).
PRINTED_ONLY = {"trace/templates/trace/label.html", "environment/templates/environment/summary_print.html"}


def test_no_template_has_an_inline_script_style_or_event_handler():
    inline = re.compile(r"""\sstyle\s*=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|javascript:""", re.IGNORECASE)
    found = [
        f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:80]}"
        for path in TEMPLATES.rglob("templates/**/*.html")
        if str(path.relative_to(TEMPLATES)) not in PRINTED_ONLY
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert found == [], "inline script or style, which the Content-Security-Policy blocks:\n" + "\n".join(found)


def settings_for(env: dict[str, str]) -> dict[str, object]:
    names = (
        "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "ATMP_TRUSTED_PROXIES",
    )  # fmt: skip
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {names!r}}}))"
    )
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    base |= {"DJANGO_SETTINGS_MODULE": "atmp.settings", "ATMP_SECRET_KEY": "x" * 50, **env}
    done = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_environment_sets_https_behind_a_trusted_proxy(tmp_path):
    s = settings_for({"ATMP_HOME": str(tmp_path), "ATMP_PUBLIC_URL": PUBLIC, "ATMP_TRUSTED_PROXIES": "127.0.0.1"})
    assert "atmp.example.org" in s["ALLOWED_HOSTS"] and s["CSRF_TRUSTED_ORIGINS"] == [PUBLIC]
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_without_a_trusted_proxy_no_forwarded_header_is_believed(tmp_path):
    s = settings_for({"ATMP_HOME": str(tmp_path)})
    assert s["SECURE_PROXY_SSL_HEADER"] is None and s["ATMP_TRUSTED_PROXIES"] == []
    assert s["SESSION_COOKIE_SECURE"] is False and s["SECURE_HSTS_SECONDS"] == 0
