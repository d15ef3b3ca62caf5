"""TOTP secrets are stored sealed with the MFA key outside the database, and sign-in still works."""

from __future__ import annotations

import datetime as dt
import importlib

import pyotp
import pytest
from django.apps import apps

from atmp.accounts import auth, sealed
from atmp.accounts.models import User
from atmp.ledger import clock
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(operator):
    secret = auth.new_totp_secret()
    auth.enable_mfa(user=operator, secret=secret, code=pyotp.TOTP(secret).now(), password=PASSWORD)
    operator.refresh_from_db()
    return operator, secret


def stored(user: User) -> str:
    return User.objects.filter(pk=user.pk).values_list("mfa_secret", flat=True).get()


def test_the_database_holds_no_totp_secret_in_the_clear(enrolled):
    user, secret = enrolled
    assert secret not in stored(user) and sealed.is_sealed(stored(user))


def test_sign_in_with_a_code_still_works(enrolled, monkeypatch):
    user, secret = enrolled
    later = clock.now() + dt.timedelta(seconds=60)  # past the code spent at enrolment
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.authenticate(username=user.username, password=PASSWORD, otp=pyotp.TOTP(secret).at(later)) == user


def test_a_secret_copied_onto_another_account_does_not_open(enrolled, qa_reviewer):
    user, _ = enrolled
    User.objects.filter(pk=qa_reviewer.pk).update(mfa_secret=stored(user), mfa_enabled=True)
    with pytest.raises(sealed.SealError, match=f"user {qa_reviewer.pk} does not open"):
        sealed.open_secret(stored(qa_reviewer), user_id=qa_reviewer.pk)


def test_another_key_does_not_open_the_secret_and_the_error_names_the_key(enrolled, tmp_path, settings):
    user, _ = enrolled
    settings.ATMP_MFA_KEY_FILE = str(tmp_path / "other.key")
    sealed.create_key()
    with pytest.raises(sealed.SealError, match="other.key"):
        sealed.open_secret(stored(user), user_id=user.pk)


def test_a_missing_key_says_to_run_init(enrolled, tmp_path, settings):
    user, _ = enrolled
    settings.ATMP_MFA_KEY_FILE = str(tmp_path / "missing.key")
    with pytest.raises(sealed.SealError, match="missing.key cannot be read.*run `atmp init`"):
        sealed.open_secret(stored(user), user_id=user.pk)


def test_the_key_file_is_the_owners_only(tmp_path):
    path = tmp_path / "keys" / "mfa.key"
    assert sealed.create_key(path) is True and sealed.create_key(path) is False
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_the_migration_seals_secrets_stored_in_the_clear(operator):
    secret = auth.new_totp_secret()
    User.objects.filter(pk=operator.pk).update(mfa_secret=secret, mfa_enabled=True)
    migration = importlib.import_module("atmp.accounts.migrations.0004_seal_mfa_secrets")
    migration.seal_clear_secrets(apps, None)
    operator.refresh_from_db()
    assert sealed.is_sealed(operator.mfa_secret)
    assert sealed.open_secret(operator.mfa_secret, user_id=operator.pk) == secret
    migration.seal_clear_secrets(apps, None)  # run again: sealed values are left alone
    assert User.objects.get(pk=operator.pk).mfa_secret == operator.mfa_secret
    migration.open_sealed_secrets(apps, None)
    assert User.objects.get(pk=operator.pk).mfa_secret == secret
