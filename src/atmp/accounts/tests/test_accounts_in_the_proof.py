"""Accounts inside the proof: an edit of what decides who may sign, made behind atmp's back, fails `atmp verify`.

Issue 11 item 8: re-enabling a disabled user, clearing MFA, inserting a forged token or swapping a
password hash in the database went unnoticed (`ok: true`). Each is now a failure naming the account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from atmp.accounts import auth, services
from atmp.accounts.models import User
from atmp.ledger import verify
from atmp.ledger.tests.verify_modes import verify_modes  # noqa: F401  (the fixture)
from atmp.testing import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("verify_modes")]


def execute(sql: str, params: list[Any] | None = None) -> None:
    """Run one statement as someone with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def failures() -> list[dict[str, Any]]:
    """Return the failures `atmp verify` reports now."""
    return [f.as_dict() for f in verify.run().failures]


@pytest.fixture
def accounts(sysadmin: User) -> dict[str, User]:
    """A disabled account, an account enrolled in MFA with a token, and a plain one, all made by atmp."""
    gone = make_user("operator", username="gone", password=PASSWORD)
    services.disable_user(actor=sysadmin, user=gone, reason="left the company")
    mia = make_user("qa_approver", username="mia", password=PASSWORD)
    secret = auth.new_totp_secret()
    import pyotp

    auth.enable_mfa(user=mia, secret=secret, code=pyotp.TOTP(secret).now(), password=PASSWORD)
    auth.issue_token(actor=None, user=mia, name="LIMS import")
    plain = make_user("operator", username="paul", password=PASSWORD)
    return {"gone": gone, "mia": mia, "paul": plain}


def test_accounts_changed_only_through_atmp_verify(accounts: dict[str, User], sysadmin: User) -> None:
    token = accounts["mia"].api_tokens.get()
    auth.revoke_token(actor=accounts["mia"], token=token, reason="rotated")
    auth.disable_mfa(actor=sysadmin, user=accounts["mia"], reason="lost phone")
    report = verify.run()
    assert report.ok, report.failures
    assert report.accounts == User.objects.count()


def test_it_names_an_account_re_enabled_in_the_database(accounts: dict[str, User]) -> None:
    execute("UPDATE accounts_user SET is_active = %s WHERE username = 'gone'", [True])
    (failure,) = failures()
    assert failure["kind"] == "attested" and "account gone" in failure["detail"]
    assert failure["record"] == f"accounts.user:{accounts['gone'].pk}"


def test_it_names_an_account_whose_mfa_was_cleared(accounts: dict[str, User]) -> None:
    execute("UPDATE accounts_user SET mfa_enabled = %s, mfa_secret = '' WHERE username = 'mia'", [False])
    (failure,) = failures()
    assert failure["kind"] == "attested" and "account mia" in failure["detail"]


def test_it_names_an_account_given_a_forged_token(accounts: dict[str, User]) -> None:
    raw = "atmp_forged"
    now = dt.datetime.now(dt.UTC)
    execute(
        "INSERT INTO accounts_apitoken (user_id, name, prefix, key_hash, created_at, expires_at, revoked, scope) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [accounts["paul"].pk, "x", raw[:12], hashlib.sha256(raw.encode()).hexdigest(), now, now, False, "read-write"],
    )
    (failure,) = failures()
    assert failure["kind"] == "attested" and "account paul" in failure["detail"]


def test_it_names_an_account_whose_password_hash_was_swapped(accounts: dict[str, User]) -> None:
    execute("UPDATE accounts_user SET password = %s WHERE username = 'paul'", [make_password("attacker's own")])
    (failure,) = failures()
    assert failure["kind"] == "attested" and "account paul" in failure["detail"]


def test_it_names_an_account_inserted_in_the_database(accounts: dict[str, User]) -> None:
    execute(
        "INSERT INTO accounts_user (username, full_name, email, password, is_active, is_staff, is_superuser, "
        "first_name, last_name, date_joined, mfa_secret, mfa_enabled, last_otp_step, failed_logins, "
        "must_change_password) VALUES ('mallory', 'Mallory', '', %s, %s, %s, %s, '', '', %s, '', %s, 0, 0, %s)",
        [make_password("x"), True, False, False, dt.datetime.now(dt.UTC), False, False],
    )
    (failure,) = failures()
    assert failure["kind"] == "unattested" and "account mallory" in failure["detail"]


def test_it_names_a_role_assignment_inserted_in_the_database(accounts: dict[str, User]) -> None:
    execute(
        "INSERT INTO accounts_roleassignment (user_id, role, site_id, version, status, created_at, created_by_id, "
        "voided) VALUES (%s, 'qa_approver', NULL, 1, 'active', %s, NULL, %s)",
        [accounts["paul"].pk, dt.datetime.now(dt.UTC), False],
    )
    kinds = {f["kind"] for f in failures()}
    assert kinds == {"unaudited_record"}


def test_a_password_hash_upgraded_at_sign_in_is_attested(accounts: dict[str, User], monkeypatch, settings) -> None:
    from atmp.accounts.hashers import Argon2idHasher

    settings.PASSWORD_HASHERS = ["atmp.accounts.hashers.Argon2idHasher"]  # production's, not the tests' quick one
    # The stored hash was made with weaker parameters than today's: Django re-hashes it on sign-in.
    monkeypatch.setattr(Argon2idHasher, "memory_cost", 1024)
    weak = make_password(PASSWORD)
    monkeypatch.undo()
    from atmp.ledger import writer

    paul = accounts["paul"]
    with writer.change(actor=None, reason="test set-up: an account from an older release") as ch:
        User.objects.filter(pk=paul.pk).update(password=weak)
        from atmp.accounts.attest import account_event

        account_event(ch, paul, action="password_changed")
    assert User.objects.get(pk=paul.pk).check_password(PASSWORD)
    assert User.objects.get(pk=paul.pk).password != weak
    assert verify.run().ok


def test_recovery_and_password_changes_attest_the_account(accounts: dict[str, User], sysadmin: User) -> None:
    services.enable_user(actor=sysadmin, user=accounts["gone"], reason="came back")
    services.reset_password(actor=sysadmin, user=accounts["paul"], password="a temporary one 2026!", reason="forgot")
    auth.change_password(user=accounts["paul"], current="a temporary one 2026!", new="paul's own phrase 2026")
    assert verify.run().ok


def test_it_names_an_account_whose_forced_password_change_was_lifted(accounts: dict[str, User], sysadmin) -> None:
    services.reset_password(actor=sysadmin, user=accounts["paul"], password="a temporary one 2026!", reason="forgot")
    execute("UPDATE accounts_user SET must_change_password = %s WHERE username = 'paul'", [False])
    (failure,) = failures()
    assert failure["kind"] == "attested" and "account paul" in failure["detail"]
