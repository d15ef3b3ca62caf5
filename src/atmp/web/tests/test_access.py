"""Every page declares a permission, sends visitors to /login/, and renders for every role."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from atmp.accounts.access import declared_permission
from atmp.testing import ALL_ROLES, PASSWORD, make_user

from .conftest import signed_in


def _web_patterns():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    return [(route, p) for route, p in walk(get_resolver().url_patterns) if not route.startswith("api/")]


def test_every_web_page_declares_its_permission():
    undeclared = [route for route, p in _web_patterns() if declared_permission(p.callback) is None]
    assert undeclared == []


PAGES = ["/", "/sites/", "/users/", "/audit/", "/account/mfa/", "/ledger/vkey.txt"]


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_is_redirected_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_page_renders_or_refuses_for_every_role(role, site, qa_reviewer):
    user = make_user(role, username=f"u-{role.replace('_', '-')}", password=PASSWORD)
    client = signed_in(user)
    urls = [
        *PAGES,
        f"/records/accounts.site/{site.pk}/",
        f"/records/accounts.site/{site.pk}/pdf",
        f"/sites/{site.pk}/edit/",
        f"/sites/{site.pk}/void/",
        "/sites/new/",
        f"/users/{qa_reviewer.pk}/",
        "/audit/entries/1/",
        # The lists' CSV exports (atmp.web.lists): the page's permission, the viewer's rows.
        "/sites/?format=csv",
        "/users/?format=csv&sort=-username",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if url.startswith("/sites/") and url.split("?")[0] != "/sites/":
            assert (response.status_code == 200) == user.can("sites.manage"), url


def test_static_files_are_served_and_nothing_outside_them(db):
    client = Client()
    css = client.get("/static/atmp/atmp.css")
    assert css.status_code == 200 and b"--brand" in b"".join(css.streaming_content)
    assert client.get("/static/../settings.py").status_code == 404
    assert client.get("/static/atmp/../../views.py").status_code == 404
