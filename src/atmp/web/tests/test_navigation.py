"""The top bar marks the section the page belongs to (aria-current), for a module's pages too."""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import include, path, resolve

from atmp import modules
from atmp.accounts.access import requires
from atmp.urls import urlpatterns as atmp_urlpatterns
from atmp.web.context import current_entry

pytestmark = pytest.mark.django_db


@requires("records.view")
def _widget_page(request: HttpRequest, **kwargs: str) -> HttpResponse:
    return render(request, "web/base.html")


# A fake domain module "widgets" mounted at /widgets/ beside the real URLs (this module is the URLconf).
widget_patterns = [
    path("", _widget_page, name="index"),
    path("reports/", _widget_page, name="reports"),
    path("<str:widget_id>/", _widget_page, name="widget"),
]
urlpatterns = [path("widgets/", include((widget_patterns, "widgets"))), *atmp_urlpatterns]

WIDGETS = modules.Module(
    label="widgets",
    title="Widgets",
    nav=(
        modules.NavEntry("Widgets", "widgets:index", "records.view"),
        modules.NavEntry("Widget reports", "widgets:reports", "records.view"),
        modules.NavEntry("Widget admin", "widgets:index", "sites.manage"),
    ),
)


@pytest.fixture
def widgets_installed(monkeypatch, settings):
    settings.ROOT_URLCONF = __name__
    monkeypatch.setattr(modules, "installed", lambda: [WIDGETS])


def _current(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', response.content.decode())


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("/widgets/", "Widgets"),
        ("/widgets/w-17/", "Widgets"),
        ("/widgets/reports/", "Widget reports"),
        ("/", "Home"),
        ("/audit/", "Audit trail"),
        ("/audit/entries/1/", "Audit trail"),
        ("/users/", "Users"),
        ("/sites/", "Sites"),
    ],
)
def test_the_page_marks_exactly_its_section(widgets_installed, as_reviewer, url, section):
    assert _current(as_reviewer, url) == [section]


def test_a_module_entry_shows_only_to_those_with_its_permission(widgets_installed, as_inspector):
    page = as_inspector.get("/widgets/").content.decode()
    assert ">Widgets</a>" in page and "Widget admin" not in page


def test_a_record_page_marks_the_module_that_owns_the_record_type(widgets_installed):
    request = RequestFactory().get("/records/widgets.widget/4/")
    request.resolver_match = resolve("/records/widgets.widget/4/")
    assert current_entry(request, ["web:home", "widgets:index", "widgets:reports", "web:sites"]) == "widgets:index"
    request = RequestFactory().get("/records/accounts.site/4/")
    request.resolver_match = resolve("/records/accounts.site/4/")
    assert current_entry(request, ["web:home", "widgets:index", "web:sites"]) is None
