"""Account recovery by an administrator: unlock, disable and re-enable, reset password, reset MFA.

Each needs a reason, is audited, and is refused on the administrator's own account.
"""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts import auth, services
from atmp.accounts.errors import InvalidInput, LoginRefused, NotAllowed
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db
TEMPORARY = "a temporary passphrase 9"


def lock(user) -> None:
    user.locked_until = clock.now() + dt.timedelta(minutes=15)
    user.save(update_fields=["locked_until"])


def disable_directly(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def enrol(user) -> None:
    user.mfa_enabled, user.mfa_secret = True, auth.new_totp_secret()
    user.save(update_fields=["mfa_enabled", "mfa_secret"])


RECOVERY = {
    "unlock": (lambda a, u, r: services.unlock_user(actor=a, user=u, reason=r), lock),
    "disable": (lambda a, u, r: services.disable_user(actor=a, user=u, reason=r), lambda u: None),
    "enable": (lambda a, u, r: services.enable_user(actor=a, user=u, reason=r), disable_directly),
    "reset-password": (
        lambda a, u, r: services.reset_password(actor=a, user=u, password=TEMPORARY, reason=r), lambda u: None
    ),
    "reset-mfa": (lambda a, u, r: auth.disable_mfa(actor=a, user=u, reason=r), enrol),
}  # fmt: skip
ACTIONS = {
    "unlock": "user_unlocked",
    "disable": "user_disabled",
    "enable": "user_enabled",
    "reset-password": "password_reset",
    "reset-mfa": "mfa_disabled",
}


@pytest.mark.parametrize("name", RECOVERY)
def test_each_recovery_action_needs_a_reason_and_is_audited(sysadmin, operator, name):
    run, prepare = RECOVERY[name]
    prepare(operator)
    with pytest.raises(InvalidInput, match="^reason:"):
        run(sysadmin, operator, " ")
    run(sysadmin, operator, "ticket 4711")
    entry = AuditEntry.objects.get(action=ACTIONS[name])
    assert (entry.actor_id, entry.reason, entry.record_id) == (sysadmin.pk, "ticket 4711", str(operator.pk))


@pytest.mark.parametrize("name", RECOVERY)
def test_each_recovery_action_is_refused_on_the_administrators_own_account(sysadmin, name):
    run, prepare = RECOVERY[name]
    if name != "enable":
        prepare(sysadmin)
    with pytest.raises(NotAllowed, match="own"):
        run(sysadmin, sysadmin, "ticket 4711")


@pytest.mark.parametrize("name", RECOVERY)
def test_a_gmp_user_cannot_recover_accounts(qa_approver, operator, name):
    run, prepare = RECOVERY[name]
    prepare(operator)
    with pytest.raises(NotAllowed, match="accounts.manage"):
        run(qa_approver, operator, "ticket 4711")


def test_an_unlocked_account_signs_in_again(sysadmin, operator):
    lock(operator)
    with pytest.raises(LoginRefused):
        auth.authenticate(username="olga", password=PASSWORD)
    services.unlock_user(actor=sysadmin, user=operator, reason="user called the help desk")
    assert auth.authenticate(username="olga", password=PASSWORD) == operator


def test_a_re_enabled_account_signs_in_again(sysadmin, operator):
    services.disable_user(actor=sysadmin, user=operator, reason="on leave")
    services.enable_user(actor=sysadmin, user=operator, reason="back from leave")
    assert auth.authenticate(username="olga", password=PASSWORD) == operator


def test_a_reset_password_works_once_and_must_be_changed(sysadmin, operator):
    services.reset_password(actor=sysadmin, user=operator, password=TEMPORARY, reason="forgot it")
    user = auth.authenticate(username="olga", password=TEMPORARY)
    assert user.must_change_password
    with pytest.raises(InvalidInput, match="^new:"):
        auth.change_password(user=user, current=TEMPORARY, new=TEMPORARY)
    auth.change_password(user=user, current=TEMPORARY, new="only olga knows this one 3")
    user.refresh_from_db()
    assert not user.must_change_password
    assert AuditEntry.objects.filter(action="password_changed", actor_id=operator.pk).exists()


def test_a_reset_password_is_checked_like_any_password(sysadmin, operator):
    with pytest.raises(InvalidInput, match="^password:"):
        services.reset_password(actor=sysadmin, user=operator, password="short", reason="forgot it")


def test_an_account_the_administrator_creates_must_change_its_password(sysadmin):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY)
    assert nina.must_change_password
    console = services.create_user(actor=None, username="sally", full_name="Sally", password=TEMPORARY)
    assert not console.must_change_password


def test_mfa_enrolment_needs_the_password_again(operator):
    import pyotp

    secret = auth.new_totp_secret()
    with pytest.raises(InvalidInput, match="^password:"):
        auth.enable_mfa(user=operator, secret=secret, code=pyotp.TOTP(secret).now(), password="wrong")
    operator.refresh_from_db()
    assert not operator.mfa_enabled


def test_a_site_limited_administrator_cannot_act_on_another_sites_account(site, qa_reviewer):
    from atmp.testing import make_site as new_site

    ghent = new_site(actor=qa_reviewer, code="GNT", name="Ghent")
    local_admin = make_user("system_admin", username="lars", password=PASSWORD, site=site)
    greta = make_user("operator", username="greta", password=PASSWORD, site=ghent)
    for act in (services.unlock_user, services.disable_user):
        with pytest.raises(NotAllowed, match="works at no site of yours"):
            act(actor=local_admin, user=greta, reason="help")
