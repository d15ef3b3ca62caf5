"""API tokens: made by their owner after re-authentication (or at the console), named, scoped, expiring."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts import auth, sealed
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_making_a_token_needs_the_password_again(operator):
    with pytest.raises(InvalidInput, match="^password:"):
        auth.issue_token(actor=operator, user=operator, name="script")
    with pytest.raises(InvalidInput, match="^password:"):
        auth.issue_token(actor=operator, user=operator, name="script", password="wrong")
    operator.refresh_from_db()
    assert operator.failed_logins == 2 and not operator.api_tokens.exists()
    assert AuditEntry.objects.filter(action="token_auth_failed").count() == 2


def test_an_enrolled_user_also_gives_the_code(operator, monkeypatch):
    operator.mfa_enabled, operator.mfa_secret = True, sealed.seal(auth.new_totp_secret(), user_id=operator.pk)
    operator.save(update_fields=["mfa_enabled", "mfa_secret"])
    with pytest.raises(InvalidInput, match="^otp:"):
        auth.issue_token(actor=operator, user=operator, name="script", password=PASSWORD, otp="000000")
    monkeypatch.setattr(auth, "verify_totp", lambda user, code: code == "123456")
    assert auth.issue_token(actor=operator, user=operator, name="script", password=PASSWORD, otp="123456").raw


def test_a_token_expires_after_30_days_by_default_at_most_90(operator):
    new = auth.issue_token(actor=operator, user=operator, name="script", password=PASSWORD)
    assert new.token.expires_at - new.token.created_at == dt.timedelta(days=30)
    short = auth.issue_token(actor=None, user=operator, name="one day", days=1)
    assert short.token.expires_at - short.token.created_at == dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="^days:"):
        auth.issue_token(actor=None, user=operator, name="forever", days=91)


def test_an_expired_token_no_longer_authenticates(operator, monkeypatch):
    new = auth.issue_token(actor=None, user=operator, name="script", days=1)
    later = clock.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.user_for_token(new.raw) is None
    assert auth.token_state(new.token) == "expired"


def test_nobody_makes_a_token_for_someone_else(sysadmin, operator):
    with pytest.raises(NotAllowed, match="never for someone else"):
        auth.issue_token(actor=sysadmin, user=operator, name="impersonation", password=PASSWORD)


def test_a_token_has_a_scope_of_read_or_read_write(operator):
    assert auth.issue_token(actor=None, user=operator, name="reader", scope="read").token.scope == "read"
    with pytest.raises(InvalidInput, match="^scope:"):
        auth.issue_token(actor=None, user=operator, name="admin", scope="admin")


def test_a_token_is_found_by_prefix_or_id_and_revoked(operator):
    new = auth.issue_token(actor=None, user=operator, name="script")
    assert auth.find_token(operator, new.token.prefix + "…") == new.token
    assert auth.find_token(operator, str(new.token.pk)) == new.token
    auth.revoke_token(actor=operator, token=new.token)
    assert auth.user_for_token(new.raw) is None and auth.token_state(new.token) == "revoked"
    with pytest.raises(InvalidInput, match="^token:"):
        auth.find_token(operator, "atmp_nothere")
