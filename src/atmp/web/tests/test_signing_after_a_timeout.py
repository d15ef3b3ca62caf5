"""A session that times out while the signature dialog is open resumes at the dialog after sign-in."""

from urllib.parse import parse_qs, urlparse

from atmp.ledger.models import Signature
from atmp.testing import PASSWORD


def _expire(client) -> None:
    session = client.session
    session["atmp_session_seen"] = session.get("atmp_session_seen", 0) - 24 * 3600
    session.save()


def test_signing_after_the_session_timed_out_returns_to_the_record_with_the_dialog_open(as_approver, site):
    record_url = f"/records/accounts.site/{site.pk}/"
    _expire(as_approver)
    response = as_approver.post(record_url + "sign/", {"meaning": "approved", "password": PASSWORD, "version": 1})
    assert response.status_code == 302
    login = urlparse(response["Location"])
    assert login.path == "/login/"
    resume = parse_qs(login.query)["next"][0]
    assert resume == record_url + "?sign=1"  # never the POST-only sign URL
    assert not Signature.objects.exists()

    back = as_approver.post("/login/", {"username": "alex", "password": PASSWORD, "next": resume})
    assert back.status_code == 302 and back["Location"] == resume
    page = as_approver.get(resume)
    assert page.status_code == 200
    text = page.content.decode()
    assert "data-autoopen" in text  # the dialog opens on load
    assert "before the signature was recorded" in text  # and the page says the signature must be given again


def test_a_get_on_the_sign_url_opens_the_dialog_on_the_record(as_approver, site):
    response = as_approver.get(f"/records/accounts.site/{site.pk}/sign/")
    assert response.status_code == 302
    assert response["Location"] == f"/records/accounts.site/{site.pk}/?sign=1"


def test_another_post_after_a_timeout_resumes_at_the_page_it_came_from(as_reviewer):
    _expire(as_reviewer)
    response = as_reviewer.post(
        "/audit/reviews/", {"comment": "x"}, HTTP_REFERER="http://testserver/audit/?action=create"
    )
    login = urlparse(response["Location"])
    assert parse_qs(login.query)["next"][0] == "/audit/?action=create"


def test_a_foreign_referer_is_not_a_place_to_resume(as_reviewer):
    _expire(as_reviewer)
    response = as_reviewer.post("/audit/reviews/", {"comment": "x"}, HTTP_REFERER="https://evil.example/x")
    login = urlparse(response["Location"])
    assert parse_qs(login.query)["next"][0] == "/"
