"""Segregation of duties at signing: authorship, one meaning per person, own records, sites, reviews."""

from __future__ import annotations

import pytest

from atmp.accounts import signing
from atmp.accounts.models import RoleAssignment
from atmp.ledger import reviews, signatures, trail, writer
from atmp.ledger.errors import SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, make_site, make_user, rename_site

pytestmark = pytest.mark.django_db


def sign(user, record, meaning):
    # A review is signed with its outcome (atmp.ledger.reviews.conclude).
    outcome = "no_findings" if meaning == "audit_trail_reviewed" else None
    return signing.sign(signer=user, record=record, meaning=meaning, password=PASSWORD, outcome=outcome)


def test_the_author_may_sign_authored_and_then_nothing_else_on_that_version(site, qa_reviewer):
    sign(qa_reviewer, site, "authored")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        sign(qa_reviewer, site, "reviewed")
    assert list(Signature.objects.values_list("meaning", flat=True)) == ["authored"]


def test_only_an_author_may_sign_authored(site, qa_approver):
    with pytest.raises(SignatureRefused, match="only someone who created or changed"):
        sign(qa_approver, site, "authored")


def test_whoever_signed_authored_cannot_give_an_independent_meaning(site, qa_approver):
    # An 'authored' signature by someone who never changed the record (made before this rule
    # existed, or by a later module's workflow) binds its signer as an author all the same.
    Signature.objects.create(
        record_type="accounts.site", record_id=str(site.pk), record_version=1, snapshot_hash=site.snapshot_hash(),
        meaning="authored", signer_id=qa_approver.pk, signer_name="Alex Approver",
        signed_at="2026-01-01T00:00:00.000000Z", entry_seq=10**9, server_signature="-",
    )  # fmt: skip
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        sign(qa_approver, site, "approved")


def test_verification_is_an_independent_meaning():
    assert {"verified", "reviewed", "approved", "qp_certified", "released"} == signatures.INDEPENDENT_MEANINGS


def test_one_person_gives_at_most_one_meaning_per_version(site, qa_approver):
    sign(qa_approver, site, "reviewed")
    with pytest.raises(SignatureRefused, match="one meaning per version"):
        sign(qa_approver, site, "approved")
    rename_site(site, "Leiden II", actor=make_user("qa_reviewer"), reason="renamed")
    assert sign(qa_approver, site, "approved").record_version == 2  # a new version, a new signature


def test_nobody_approves_their_own_role_assignment(qa_approver):
    own = qa_approver.assignments.get()
    with pytest.raises(SignatureRefused, match="about yourself"):
        sign(qa_approver, own, "approved")
    assert AuditEntry.objects.filter(action="sign_failed", actor_id=qa_approver.pk).exists()


def test_a_qa_approver_approves_someone_elses_role_assignment(qa_approver, operator):
    assert sign(qa_approver, operator.assignments.get(), "approved").meaning == "approved"


def test_a_site_limited_approver_cannot_approve_an_all_sites_role(qa_reviewer):
    lei = make_site(actor=qa_reviewer, code="LEI")
    gnt = make_site(actor=qa_reviewer, code="GNT")
    approver = make_user("qa_approver", password=PASSWORD, site=lei)
    everywhere = make_user("qa_reviewer").assignments.get()
    with pytest.raises(SignatureRefused, match="every site"):
        sign(approver, everywhere, "approved")
    elsewhere = make_user("operator", site=gnt).assignments.get()
    with pytest.raises(SignatureRefused, match="GNT"):
        sign(approver, elsewhere, "approved")
    with pytest.raises(SignatureRefused, match="GNT"):
        sign(approver, gnt, "approved")
    assert sign(approver, make_user("operator", site=lei).assignments.get(), "approved").meaning == "approved"
    assert sign(approver, lei, "approved").meaning == "approved"


def test_a_review_leaves_out_the_reviewers_own_entries_and_counts_them(site, qa_reviewer, qa_approver):
    rename_site(site, "Leiden II", actor=qa_approver, reason="renamed")
    selection = trail.TrailFilter(record_type="accounts.site", record_id=str(site.pk))
    review = reviews.start_review(actor=qa_reviewer, filter=selection)
    renamed = AuditEntry.objects.get(record_type="accounts.site", action="update")
    assert (review.entry_count, review.excluded_count) == (1, 1)  # Rita created the site: not hers to review
    assert (review.first_seq, review.last_seq) == (renamed.seq, renamed.seq)
    assert sign(qa_reviewer, review, "audit_trail_reviewed").meaning == "audit_trail_reviewed"


def test_nobody_signs_a_review_that_holds_their_own_entries(site, qa_reviewer, qa_approver):
    rename_site(site, "Leiden II", actor=qa_approver, reason="renamed")
    review = reviews.start_review(
        actor=qa_reviewer, filter=trail.TrailFilter(record_type="accounts.site", record_id=str(site.pk))
    )
    with pytest.raises(SignatureRefused, match="your own"):
        sign(qa_approver, review, "audit_trail_reviewed")


def test_a_selection_made_only_of_the_reviewers_own_entries_is_refused(site, qa_reviewer):
    with pytest.raises(reviews.EmptyReview, match="your own"):
        reviews.start_review(actor=qa_reviewer, filter=trail.TrailFilter(record_type="accounts.site"))


def test_the_meanings_offered_depend_on_authorship_and_what_was_given(site, qa_reviewer, qa_approver):
    assert signing.allowed_meanings(qa_reviewer, site) == ["authored"]
    assert signing.allowed_meanings(qa_approver, site) == ["reviewed", "approved"]
    sign(qa_approver, site, "reviewed")
    assert signing.allowed_meanings(qa_approver, site) == []
    assert signing.allowed_meanings(qa_approver, qa_approver.assignments.get()) == []


# --- item 3: the meanings a role may give depend on the record type ---------------------------


def test_a_pv_officer_cannot_review_a_site(site):
    pv = make_user("pv_officer", password=PASSWORD)
    with pytest.raises(SignatureRefused, match="'Reviewed'"):
        sign(pv, site, "reviewed")
    assert signing.allowed_meanings(pv, site) == []


def test_only_a_qa_approver_approves_a_role_assignment(operator):
    qp = make_user("qualified_person", password=PASSWORD)
    reviewer = make_user("qa_reviewer", password=PASSWORD)
    assignment = operator.assignments.get()
    for user, meaning in ((qp, "approved"), (reviewer, "reviewed")):
        with pytest.raises(SignatureRefused, match="role assignments"):
            sign(user, assignment, meaning)


def test_every_record_type_declares_meanings_its_roles_may_give_at_all():
    from atmp.accounts.roles import MEANINGS_BY_ROLE, Role, signing_meanings_of
    from atmp.ledger.records import gmp_models

    for model in gmp_models():
        table = signing_meanings_of(model)
        assert table, model
        for meaning, roles in table.items():
            assert meaning in signatures.MEANINGS
            assert roles <= set(Role.values)
            # A record type narrows the role table; it never lets a role give a meaning it never may.
            assert all(meaning in MEANINGS_BY_ROLE[r] for r in roles), (model, meaning)


def test_the_role_assignment_declares_its_user_and_site(qa_reviewer):
    lei = make_site(actor=qa_reviewer, code="LEI")
    with writer.change(actor=None, reason="test"):
        at_lei = RoleAssignment(user=qa_reviewer, role="operator", site=lei)
        at_lei.save()
    assert at_lei.subject_user_ids() == frozenset({qa_reviewer.pk})
    assert at_lei.concerned_site_ids() == frozenset({lei.pk})
    assert qa_reviewer.assignments.get(site=None).concerned_site_ids() is None
    assert lei.concerned_site_ids() == frozenset({lei.pk}) and lei.subject_user_ids() == frozenset()


def test_authors_are_counted_up_to_the_version_asked_about_one_record_or_many(site, qa_reviewer, qa_approver):
    other = make_site(actor=qa_reviewer, code="UTR", name="Utrecht")
    rename_site(site, "Leiden II", actor=qa_approver, reason="renamed")  # qa_approver authors version 2 only
    key = "accounts.site"
    both = signatures.authors_of(key, {str(site.pk): 2, str(other.pk): 1})
    assert both == {str(site.pk): {qa_reviewer.pk, qa_approver.pk}, str(other.pk): {qa_reviewer.pk}}
    assert signatures.authors_of(key, {str(site.pk): 1}) == {str(site.pk): {qa_reviewer.pk}}
    assert signatures.authors_of(key, {str(site.pk): 2, str(other.pk): 1}, who=qa_approver.pk) == {
        str(site.pk): {qa_approver.pk},
        str(other.pk): set(),
    }
    assert signatures.authors(site) == {qa_reviewer.pk, qa_approver.pk}
