"""Refusals and failures answer a styled page with the site navigation; the API keeps JSON."""

from django.test import Client

from atmp.testing import PASSWORD
from atmp.web import views


def _has_navigation(text: str) -> bool:
    return 'class="topbar"' in text and 'aria-label="Main"' in text and 'href="/audit/"' in text


def test_an_unknown_page_is_a_styled_404_with_navigation(as_reviewer):
    response = as_reviewer.get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and _has_navigation(text)


def test_an_unknown_record_is_a_styled_404(as_reviewer):
    response = as_reviewer.get("/records/accounts.site/999999/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_an_unknown_api_url_answers_json(as_reviewer):
    response = as_reviewer.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()


def test_a_wrong_method_is_a_styled_405_with_navigation(as_reviewer):
    response = as_reviewer.get("/audit/reviews/")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    text = response.content.decode()
    assert "Method not allowed" in text and _has_navigation(text)


def test_a_refusal_is_a_styled_403_with_navigation(as_inspector):
    response = as_inspector.get("/sites/new/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "Not allowed" in text and _has_navigation(text)


def test_a_server_error_is_a_styled_500_that_tells_nothing_of_the_fault(qa_reviewer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "awaiting_signature", broken)
    client = Client(raise_request_exception=False)
    client.post("/login/", {"username": qa_reviewer.username, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text and "boom" not in text and 'class="topbar"' in text
