import datetime as dt
import time

import pyotp
import pytest
from django.test import Client

from atmp.accounts import auth
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(db):
    response = Client().get("/sites/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/sites/")


def test_the_sign_in_page_has_a_csrf_token(db):
    response = Client(enforce_csrf_checks=True).get("/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_a_wrong_password_shows_the_generic_refusal(qa_reviewer):
    response = Client().post("/login/", {"username": "rita", "password": "wrong password here"})
    assert response.status_code == 200
    assert auth.GENERIC_REFUSAL in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed").exists()


def test_the_right_password_signs_in_and_shows_name_and_roles(qa_reviewer):
    client = Client()
    response = client.post("/login/?next=/sites/", {"username": "rita", "password": PASSWORD, "next": "/sites/"})
    assert response.status_code == 302 and response["Location"] == "/sites/"
    page = client.get("/").content.decode()
    assert "Rita Reviewer" in page and "QA Reviewer" in page
    assert AuditEntry.objects.filter(action="login", actor_id=qa_reviewer.pk).exists()


def test_it_refuses_to_redirect_elsewhere_after_sign_in(qa_reviewer):
    response = Client().post("/login/", {"username": "rita", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def _enrol(user) -> pyotp.TOTP:
    secret = auth.new_totp_secret()
    totp = pyotp.TOTP(secret)
    auth.enable_mfa(user=user, secret=secret, code=totp.now(), password=PASSWORD)
    user.refresh_from_db()
    return totp


def test_mfa_is_asked_only_after_the_password_is_right(qa_reviewer):
    _enrol(qa_reviewer)
    wrong = Client().post("/login/", {"username": "rita", "password": "not the password"})
    assert auth.GENERIC_REFUSAL in wrong.content.decode()
    assert b"Authenticator code" not in wrong.content
    client = Client()
    right = client.post("/login/", {"username": "rita", "password": PASSWORD})
    assert b"Authenticator code" in right.content
    assert PASSWORD.encode() not in right.content
    assert client.get("/").status_code == 302  # not signed in yet


def test_a_user_with_mfa_signs_in_with_the_code(qa_reviewer, monkeypatch):
    totp = _enrol(qa_reviewer)
    client = Client()
    client.post("/login/", {"username": "rita", "password": PASSWORD})
    # The enrolment spends its code's steps (no replay), so sign in two minutes later.
    later = clock.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    code = totp.at(later)
    response = client.post("/login/", {"step": "code", "code": code})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_and_counted(qa_reviewer):
    _enrol(qa_reviewer)
    client = Client()
    client.post("/login/", {"username": "rita", "password": PASSWORD})
    response = client.post("/login/", {"step": "code", "code": "000000"})
    assert auth.GENERIC_REFUSAL in response.content.decode()
    qa_reviewer.refresh_from_db()
    assert qa_reviewer.failed_logins == 1


def test_the_code_step_without_the_password_step_starts_again(qa_reviewer):
    response = Client().post("/login/", {"step": "code", "code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_a_locked_account_gets_the_answer_of_a_wrong_password(qa_reviewer, settings):
    settings.ATMP_LOCKOUT_THRESHOLD = 2
    for _ in range(2):
        Client().post("/login/", {"username": "rita", "password": "wrong password 1"})
    locked = Client().post("/login/", {"username": "rita", "password": PASSWORD})
    unknown = Client().post("/login/", {"username": "nobody", "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 200
    assert locked.context["error"] == unknown.context["error"] == auth.GENERIC_REFUSAL
    assert "locked" not in locked.content.decode()


def test_the_sign_in_page_throttles_the_client_address(qa_reviewer, settings):
    settings.ATMP_THROTTLE_ADDRESS_FAILURES = 2
    for _ in range(2):
        Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "rita", "password": "wrong password 1"})
    throttled = Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "rita", "password": PASSWORD})
    assert throttled.status_code == 429
    assert "too many failed sign-ins from your address" in throttled.content.decode()
    other = Client(REMOTE_ADDR="10.1.1.2").post("/login/", {"username": "rita", "password": PASSWORD})
    assert other.status_code == 302


def test_signing_out_is_audited(as_reviewer, qa_reviewer):
    response = as_reviewer.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert AuditEntry.objects.filter(action="logout", actor_id=qa_reviewer.pk).exists()
    assert as_reviewer.get("/").status_code == 302


def test_a_timed_out_session_says_so(as_reviewer, settings):
    settings.ATMP_SESSION_IDLE_SECONDS = 1
    session = as_reviewer.session
    session["atmp_session_seen"] = session.get("atmp_session_seen", 0) - 3600
    session.save()
    response = as_reviewer.get("/", follow=True)
    assert "Your session timed out" in response.content.decode()


def test_the_last_request_time_is_written_only_when_it_has_moved(as_reviewer, settings):
    """A page does not write the session for a request a few seconds after the last; after a minute it does."""
    settings.ATMP_SESSION_IDLE_SECONDS = 15 * 60
    assert as_reviewer.get("/").status_code == 200
    for ago, written in ((10, False), (120, True)):
        session = as_reviewer.session
        session["atmp_session_seen"] = time.time() - ago
        session.save()
        before = session["atmp_session_seen"]
        assert as_reviewer.get("/").status_code == 200
        assert (as_reviewer.session["atmp_session_seen"] != before) is written


def test_an_active_session_still_ends_at_the_absolute_limit(as_reviewer, settings):
    assert as_reviewer.get("/").status_code == 200
    session = as_reviewer.session
    session["atmp_session_started"] = time.time() - settings.ATMP_SESSION_ABSOLUTE_SECONDS - 1
    session["atmp_session_seen"] = time.time()  # not idle: only the absolute limit applies
    session.save()
    response = as_reviewer.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("code_ok", [True, False])
def test_a_user_enrols_in_mfa_with_a_code(as_reviewer, qa_reviewer, code_ok):
    page = as_reviewer.get("/account/mfa/")
    secret = page.context["secret"]
    assert secret in page.content.decode() and "otpauth://totp/" in page.content.decode()
    code = pyotp.TOTP(secret).now() if code_ok else "000000"
    response = as_reviewer.post("/account/mfa/", {"code": code, "password": PASSWORD})
    qa_reviewer.refresh_from_db()
    assert qa_reviewer.mfa_enabled is code_ok
    if not code_ok:
        assert "does not match" in response.content.decode()
