"""Throttling failed sign-ins per client address and globally, failed tokens per address; one answer for all."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from atmp.accounts import auth
from atmp.accounts.errors import LoginRefused, Throttled
from atmp.accounts.models import AuthThrottle
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def fail(username="olga", client="10.0.0.1"):
    with pytest.raises(LoginRefused) as refused:
        auth.authenticate(username=username, password="wrong password", client=client)
    return refused.value


def test_it_refuses_an_address_after_too_many_failed_sign_ins(operator, settings):
    settings.ATMP_THROTTLE_ADDRESS_FAILURES = 3
    fail("olga")
    fail("nobody")
    fail("olga")
    with pytest.raises(Throttled, match="from your address") as refused:
        auth.authenticate(username="olga", password=PASSWORD, client="10.0.0.1")
    assert 0 < refused.value.retry_after <= settings.ATMP_THROTTLE_WINDOW_SECONDS
    assert auth.authenticate(username="olga", password=PASSWORD, client="10.0.0.2") == operator
    throttled = AuditEntry.objects.filter(action="sign_in_throttled")
    assert throttled.count() == 1 and "10.0.0.1" in throttled.get().changes


def test_the_count_is_kept_in_the_database_for_every_server_process(operator):
    fail(client="10.0.0.9")
    assert AuthThrottle.objects.get(key="sign-in:address:10.0.0.9").count == 1
    assert AuthThrottle.objects.get(key="sign-in:all").count == 1


def test_it_pauses_every_sign_in_after_too_many_failures_overall(operator, settings, monkeypatch):
    settings.ATMP_THROTTLE_GLOBAL_FAILURES = 4
    for n in range(4):
        fail(client=f"10.0.1.{n}")
    with pytest.raises(Throttled, match="on this server"):
        auth.authenticate(username="olga", password=PASSWORD, client="10.0.2.1")
    later = clock.now() + dt.timedelta(seconds=settings.ATMP_THROTTLE_WINDOW_SECONDS + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.authenticate(username="olga", password=PASSWORD, client="10.0.2.1") == operator


def test_a_throttled_attempt_checks_no_password_and_is_not_counted_again(operator, settings):
    settings.ATMP_THROTTLE_ADDRESS_FAILURES = 1
    fail()
    for _ in range(3):
        with pytest.raises(Throttled):
            auth.authenticate(username="olga", password="another guess", client="10.0.0.1")
    operator.refresh_from_db()
    assert operator.failed_logins == 1  # the guesses after the limit were never tried
    assert AuditEntry.objects.filter(action="sign_in_throttled").count() == 1


def test_the_answer_is_the_same_for_a_real_an_unknown_a_locked_and_a_disabled_account(operator, settings):
    settings.ATMP_LOCKOUT_THRESHOLD = 2
    real = str(fail("olga", client=None))
    unknown = str(fail("mallory", client=None))
    fail("olga", client=None)  # locks Olga
    operator.refresh_from_db()
    assert auth.is_locked(operator)
    locked_wrong = str(fail("olga", client=None))
    with pytest.raises(LoginRefused) as locked_right:
        auth.authenticate(username="olga", password=PASSWORD)
    disabled = make_user(password=PASSWORD)
    disabled.is_active = False
    disabled.save()
    with pytest.raises(LoginRefused) as disabled_right:
        auth.authenticate(username=disabled.username, password=PASSWORD)
    answers = {real, unknown, locked_wrong, str(locked_right.value), str(disabled_right.value)}
    assert answers == {auth.GENERIC_REFUSAL}


def test_an_unknown_username_is_recorded_bounded_and_without_control_characters(db):
    typed = "mal\u202eyrol\u200b\x00\x1b[31m\u2028" + "x" * 5000
    fail(typed, client=None)
    recorded = json.loads(AuditEntry.objects.get(action="login_failed").changes)["username"][1]
    assert recorded.startswith("malyrol[31mxxx") and recorded.endswith("…")
    assert len(recorded) <= auth.USERNAME_SHOWN + 1
    assert not any(c in recorded for c in "\u202e\u200b\x00\x1b\u2028")


def test_a_lockout_does_not_switch_off_the_users_tokens(operator, settings):
    settings.ATMP_LOCKOUT_THRESHOLD = 2
    raw = auth.issue_token(actor=None, user=operator, name="lims bridge").raw
    fail(client=None)
    fail(client=None)
    operator.refresh_from_db()
    assert auth.is_locked(operator)
    assert auth.user_for_token(raw, client="10.0.0.5") == operator
    operator.is_active = False
    operator.save()
    assert auth.user_for_token(raw, client="10.0.0.5") is None  # a disabled account stays refused


def test_failed_tokens_are_throttled_per_address(operator, settings):
    settings.ATMP_THROTTLE_TOKEN_FAILURES = 3
    raw = auth.issue_token(actor=None, user=operator, name="lims bridge").raw
    for n in range(3):
        assert auth.user_for_token(f"atmp_forged{n}", client="10.0.3.1") is None
    with pytest.raises(Throttled, match="token"):
        auth.user_for_token(raw, client="10.0.3.1")
    assert auth.user_for_token(raw, client="10.0.3.2") == operator
    assert AuditEntry.objects.filter(action="token_throttled").count() == 1
    # Failed tokens do not count towards the sign-in limits, nor failed sign-ins towards tokens.
    assert auth.authenticate(username="olga", password=PASSWORD, client="10.0.3.1") == operator
