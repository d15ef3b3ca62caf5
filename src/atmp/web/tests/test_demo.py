"""The demo shows what atmp does: a user enrolled in MFA, and an audit trail free of its own refusals."""

import datetime as dt
import re

import pyotp
import pytest

from atmp import demo
from atmp.accounts import auth
from atmp.accounts.models import User
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry

REFUSAL = re.compile(r"(_failed|_refused|refused|lockout|denied)$")


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, signing_key):
    """Load the demo once for the module, in a transaction rolled back after its last test."""
    from atmp.testing import rolled_back_at_the_end

    yield from rolled_back_at_the_end(django_db_blocker, demo.load)


@pytest.fixture
def loaded(db, demo_data):
    """The demo as `atmp demo` loads it; each test runs in its own savepoint, so none sees another's writes."""
    return demo_data


def test_the_demo_enrols_one_user_in_mfa_and_prints_the_secret(loaded):
    enrolled = User.objects.filter(mfa_enabled=True)
    assert [u.username for u in enrolled] == [demo.MFA_USER]
    assert loaded["mfa"] == {"username": demo.MFA_USER, "secret": demo.MFA_SECRET}
    text = demo.describe(loaded)
    assert demo.MFA_SECRET in text and demo.MFA_USER in text
    assert AuditEntry.objects.filter(action="mfa_enabled").count() == 1


def test_the_demo_mfa_user_signs_in_with_a_code_from_the_printed_secret(loaded, monkeypatch):
    user = User.objects.get(username=demo.MFA_USER)
    checked = auth.check_password_step(username=user.username, password=demo.PASSWORD)
    assert checked.mfa_enabled
    # The enrolment spent the codes around it (no replay): two minutes later the app's code works.
    later = clock.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.verify_totp(checked, pyotp.TOTP(loaded["mfa"]["secret"]).at(later))


def test_the_demo_writes_no_refusal_into_the_audit_trail(loaded):
    refusals = [(e.seq, e.action, e.actor_name) for e in AuditEntry.objects.all() if REFUSAL.search(e.action)]
    assert refusals == []


def test_the_demo_review_covers_none_of_the_reviewer_s_own_entries(loaded):
    from atmp.ledger.models import AuditTrailReview
    from atmp.ledger.reviews import selection_of
    from atmp.ledger.trail import trail

    review = AuditTrailReview.objects.get()
    entries = trail(selection_of(review), limit=1000).entries
    assert entries and all(e.actor_id != review.created_by_id for e in entries)


def test_loading_the_demo_again_writes_nothing(loaded):
    size = AuditEntry.objects.count()
    assert demo.load()["mfa"]["secret"] == demo.MFA_SECRET
    assert AuditEntry.objects.count() == size


def test_the_demo_verifies(loaded):
    from atmp.ledger import verify

    report = verify.run()
    assert report.ok, report


def test_the_demo_holds_a_quality_system(loaded):
    from atmp.quality.models import Capa, Deviation, PlannedDeviation
    from atmp.workflow.work import overdue

    classes = sorted(Deviation.objects.values_list("classification", flat=True))
    assert classes == ["critical", "major", "minor"]
    assert PlannedDeviation.objects.get().status == "approved"
    assert sorted(Capa.objects.values_list("status", flat=True)) == ["closed", "open"]
    assert Capa.objects.filter(effectiveness_outcome="not_effective").exists()
    assert overdue() == [] or all(i.record.startswith("quality.") for i in overdue())
