"""Signing in: password, lockout, TOTP with replay protection; every outcome in the ledger."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from atmp.accounts import auth
from atmp.accounts.errors import InvalidInput, LoginRefused
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_it_signs_in_with_the_right_password_and_records_it(operator):
    assert auth.authenticate(username="olga", password=PASSWORD) == operator
    assert actions()[-1] == "login"


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(operator):
    with pytest.raises(LoginRefused, match="wrong username, password or code"):
        auth.authenticate(username="olga", password="nope")
    assert actions()[-1] == "login_failed"


def test_it_audits_an_unknown_username(db):
    with pytest.raises(LoginRefused):
        auth.authenticate(username="mallory", password="x")
    entry = AuditEntry.objects.last()
    assert entry.action == "login_failed" and "mallory" in entry.changes


def test_it_locks_the_account_after_repeated_failures(operator, settings):
    settings.ATMP_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        with pytest.raises(LoginRefused):
            auth.authenticate(username="olga", password="wrong")
    assert "lockout" in actions()
    with pytest.raises(LoginRefused, match="wrong username, password or code"):
        auth.authenticate(username="olga", password=PASSWORD)
    assert actions()[-1] == "login_refused"


def test_it_unlocks_after_the_lockout_period(operator, settings, monkeypatch):
    settings.ATMP_LOCKOUT_THRESHOLD = 2
    for _ in range(2):
        with pytest.raises(LoginRefused):
            auth.authenticate(username="olga", password="wrong")
    later = clock.now() + dt.timedelta(seconds=settings.ATMP_LOCKOUT_SECONDS + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.authenticate(username="olga", password=PASSWORD) == operator


def test_it_refuses_a_disabled_account(operator):
    operator.is_active = False
    operator.save()
    with pytest.raises(LoginRefused):
        auth.authenticate(username="olga", password=PASSWORD)


@pytest.fixture
def enrolled(operator):
    secret = auth.new_totp_secret()
    auth.enable_mfa(user=operator, secret=secret, code=pyotp.TOTP(secret).now(), password=PASSWORD)
    operator.refresh_from_db()
    return operator, secret


def test_it_needs_the_totp_code_when_enrolled(enrolled):
    user, _secret = enrolled
    with pytest.raises(LoginRefused):
        auth.authenticate(username=user.username, password=PASSWORD)
    assert "mfa_enabled" in actions()


def test_it_refuses_a_totp_code_used_twice(enrolled, monkeypatch):
    user, secret = enrolled
    later = clock.now() + dt.timedelta(seconds=90)
    monkeypatch.setattr(clock, "now", lambda: later)
    code = pyotp.TOTP(secret).at(later)
    assert auth.authenticate(username=user.username, password=PASSWORD, otp=code) == user
    with pytest.raises(LoginRefused):
        auth.authenticate(username=user.username, password=PASSWORD, otp=code)


def test_it_refuses_enrolment_with_a_wrong_code(operator):
    with pytest.raises(InvalidInput, match="code"):
        auth.enable_mfa(user=operator, secret=auth.new_totp_secret(), code="000000", password=PASSWORD)


def test_an_api_token_authenticates_until_revoked(operator):
    raw = auth.issue_token(actor=operator, user=operator, name="lims bridge", password=PASSWORD).raw
    assert auth.user_for_token(raw) == operator
    token = operator.api_tokens.get()
    auth.revoke_token(actor=operator, token=token, reason="bridge retired")
    assert auth.user_for_token(raw) is None
    assert auth.user_for_token("atmp_forged") is None
