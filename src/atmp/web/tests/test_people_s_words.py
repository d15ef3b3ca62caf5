"""Pages speak people's words: record types and actions by name, filters that take what the table shows."""

import json
import re

from atmp.accounts import signing
from atmp.ledger import checkpoints, tree
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, rename_site


def _actions(response) -> list[str]:
    return [r.entry.action for r in response.context["rows"]]


def test_the_trail_filters_take_the_labels_the_table_shows(as_inspector, site, qa_reviewer):
    rename_site(site, "Leiden 2", actor=qa_reviewer)
    by_code = as_inspector.get("/audit/", {"record_type": "accounts.site", "user": "rita", "action": "update"})
    by_label = as_inspector.get("/audit/", {"record_type": "Site", "user": "Rita Reviewer", "action": "Changed"})
    assert by_label.status_code == 200 and not by_label.context["form"].errors
    assert _actions(by_label) == _actions(by_code) == ["update"]


def test_an_unknown_label_is_refused_beside_its_field(as_inspector):
    response = as_inspector.get("/audit/", {"record_type": "Spaceship", "action": "Teleported", "user": "Nobody"})
    errors = response.context["form"].errors
    assert set(errors) == {"record_type", "action", "user"}


def test_sign_ins_are_left_out_of_the_trail_unless_asked_for(as_inspector, site):
    assert AuditEntry.objects.filter(action="login").exists()
    default = as_inspector.get("/audit/")
    assert "login" not in _actions(default) and "create" in _actions(default)
    included = as_inspector.get("/audit/", {"sign_ins": "on"})
    assert "login" in _actions(included)
    asked = as_inspector.get("/audit/", {"action": "Signed in"})
    assert set(_actions(asked)) == {"login"}


def test_a_review_started_from_the_default_trail_covers_no_sign_in(as_approver, site, qa_reviewer):
    rename_site(site, "Leiden 2", actor=qa_reviewer)
    response = as_approver.post("/audit/reviews/", {"record_type": "", "comment": "GMP changes checked"})
    assert response.status_code == 302
    from atmp.ledger.models import AuditTrailReview
    from atmp.ledger.reviews import selection_of
    from atmp.ledger.trail import trail

    review = AuditTrailReview.objects.get()
    covered = [e for e in trail(selection_of(review), limit=1000).entries if e.seq <= review.last_seq]
    assert covered and not any(e.action in ("login", "logout") for e in covered)
    assert review.entry_count == len(covered)


def test_pages_name_record_types_and_actions_instead_of_codes(as_approver, site, qa_approver):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    record = as_approver.get(f"/records/accounts.site/{site.pk}/?sign=1").content.decode()
    entry_seq = AuditEntry.objects.get(action="sign").seq
    entry = as_approver.get(f"/audit/entries/{entry_seq}/").content.decode()
    trail_page = as_approver.get("/audit/").content.decode()
    as_approver.post("/audit/reviews/", {"record_type": "Site", "comment": "checked"})
    from atmp.ledger.models import AuditTrailReview

    review_id = AuditTrailReview.objects.get().pk
    review = as_approver.get(f"/records/ledger.audittrailreview/{review_id}/").content.decode()
    assert "Every action but sign-ins" in review
    for text in (record, entry, trail_page, review):
        visible = re.sub(r"<pre class=\"json\">.*?</pre>", "", text, flags=re.S)  # the hashed JSON keeps codes
        visible = re.sub(r"<[^>]+>", " ", visible)
        at = visible.find("accounts.site")
        assert at < 0, visible[max(0, at - 300) : at + 50]
    assert "Signed" in entry and "Site LEI Leiden" in entry


def test_a_creation_entry_folds_its_initial_values_under_a_summary(as_inspector, site):
    page = as_inspector.get(f"/records/accounts.site/{site.pk}/").content.decode()
    assert re.search(r"<details[^>]*data-testid=\"initial-values\"[^>]*>\s*<summary>", page)


def test_the_offered_proof_reaches_a_signed_checkpoint(as_approver, site):
    seq = tree.size()
    response = as_approver.get(f"/audit/entries/{seq}/proof.json")
    document = json.loads(response.content)
    latest = checkpoints.latest()
    assert latest is not None and latest.size >= seq  # one was signed for the proof
    assert document["size"] == latest.size and document["checkpoint"] == latest.note


def test_the_trail_marks_the_entries_a_signed_review_covers(as_approver, qa_approver, site, qa_reviewer):
    from atmp.ledger.models import AuditTrailReview

    rename_site(site, "Leiden 2", actor=qa_reviewer)
    as_approver.post("/audit/reviews/", {"record_type": "Site", "user": "rita", "comment": "checked"})
    review = AuditTrailReview.objects.get()
    unsigned = as_approver.get("/audit/", {"record_type": "Site"}).content.decode()
    assert f"review #{review.pk}" not in unsigned  # not signed yet: no mark
    signing.sign(
        signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    page = as_approver.get("/audit/", {"record_type": "Site"})
    rows = page.context["rows"]
    covered = {r.entry.seq for r in rows if r.reviews}
    expected = {r.entry.seq for r in rows if r.entry.actor_id == qa_reviewer.pk and r.entry.seq <= review.last_seq}
    assert covered == expected and len(expected) >= 2
    assert f'href="/records/ledger.audittrailreview/{review.pk}/"' in page.content.decode()


def test_a_signature_entry_is_not_folded_as_a_creation(as_approver, site, qa_approver):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    response = as_approver.get(f"/records/accounts.site/{site.pk}/")
    rows = {r.entry.action: r for r in response.context["history"]}
    assert rows["create"].folded and not rows["sign"].folded
