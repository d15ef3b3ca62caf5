"""Training compliance (the KPI, counted by the database) against a plain count of its pairs, on random small QMSs."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from decimal import Decimal

import pytest

from atmp.accounts.models import RoleAssignment, Site
from atmp.accounts.services import disable_user
from atmp.ledger import clock, writer
from atmp.ledger.errors import SignatureRefused
from atmp.quality.factories import make_document, make_effective_version, make_training_requirement
from atmp.quality.models.documents import TrainingRecord, TrainingRequirement
from atmp.quality.selectors.documents import effective_versions_at, training_compliance, training_matrix
from atmp.quality.services import documents
from atmp.testing import PASSWORD, make_site, make_user

pytestmark = pytest.mark.django_db

TRAINED_ROLES = ("operator", "qc_analyst", "qa_reviewer")
NOT_TRAINED = ("inspector", "system_admin")


def plain_compliance(site: Site | None, at: dt.datetime) -> Decimal:
    """Count the required and trained (user, document) pairs one by one, straight from the definitions."""
    held = [
        a
        for a in RoleAssignment.objects.select_related("user")
        if a.status == "active" and not a.voided and a.role not in NOT_TRAINED
    ]
    users = {a.user_id for a in held if a.user.is_active and (site is None or a.site_id in (None, site.pk))}
    requirements = [
        r
        for r in TrainingRequirement.objects.select_related("document")
        if not r.voided
        and not r.document.voided
        and (site is None or (r.site_id in (None, site.pk) and r.document.site_id in (None, site.pk)))
    ]
    in_force = effective_versions_at({r.document_id for r in requirements}, at)
    pairs = set()
    for user_id in users:
        for r in requirements:
            if r.document_id not in in_force:
                continue
            if r.user_id is not None:
                applies = r.user_id == user_id
            else:
                applies = any(
                    a.user_id == user_id
                    and a.role == r.role
                    and (r.site_id is None or a.site_id is None or a.site_id == r.site_id)
                    for a in held
                )
            if applies:
                pairs.add((user_id, r.document_id))
    trained = [
        (u, d)
        for u, d in pairs
        if any(
            t.user_id == u and t.document_version_id == in_force[d].pk and not t.voided and t.signed_at <= at
            for t in TrainingRecord.objects.all()
        )
    ]
    if not pairs:
        return Decimal("1.0000")
    return (Decimal(len(trained)) / Decimal(len(pairs))).quantize(Decimal("0.0001"))


def give_role(user, role, site):
    """Give the user one more role (at the site, or at every site)."""
    with writer.change(actor=None, reason="test set-up"):
        RoleAssignment(user=user, role=role, site=site).save()
    user.forget_roles()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compliance_is_the_plain_count_of_pairs(seed, qa_reviewer, qa_approver):
    rng = random.Random(seed)
    sites = [make_site(actor=qa_approver) for _ in range(2)]
    where = [None, *sites]
    people = [make_user(rng.choice(TRAINED_ROLES), password=PASSWORD, site=rng.choice(where)) for _ in range(7)]
    for person in rng.sample(people, 3):  # a second role, somewhere
        give_role(person, rng.choice(TRAINED_ROLES), rng.choice(where))
    make_user("inspector", password=PASSWORD)  # does no GMP work: never required
    docs = [make_document(actor=qa_reviewer, site=rng.choice(where)) for _ in range(4)]
    versions = {d.pk: make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=d)
                for d in docs[:3]}  # fmt: skip  # the fourth has no version in force
    for doc in docs:
        for _ in range(rng.randint(1, 3)):
            on = doc.site or rng.choice(where)
            if rng.random() < 0.2:
                make_training_requirement(actor=qa_approver, document=doc, user=rng.choice(people))
            else:
                make_training_requirement(actor=qa_approver, document=doc, role=rng.choice(TRAINED_ROLES), site=on)
    requirement = TrainingRequirement.objects.order_by("?").first()
    documents.void_requirement(actor=qa_approver, requirement=requirement, reason="no longer needed")

    def sign_some() -> None:
        for person in people:
            for version in versions.values():
                signed = TrainingRecord.objects.filter(user=person, document_version=version).exists()
                if rng.random() < 0.5 and person.is_active and not signed:
                    with contextlib.suppress(SignatureRefused):  # another site's document: not trained
                        documents.read_and_understood(actor=person, version=version, password=PASSWORD)

    sign_some()
    middle = clock.now()
    # a new version of one document: training on the version it supersedes no longer counts
    first = docs[0]
    versions[first.pk] = make_effective_version(
        actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=first
    )
    disable_user(actor=None, user=rng.choice(people), reason="left the company")
    sign_some()
    later = clock.now() + dt.timedelta(days=1)
    for site in (None, *sites):
        for at in (middle, later):
            expected = plain_compliance(site, at)
            assert training_compliance(site, at) == expected, (seed, site, at)
            assert training_matrix(site, at).compliance == expected, (seed, site, at)
        assert training_compliance(site) == plain_compliance(site, clock.now())


def test_shared_grants_several_roles_and_named_users_count_each_pair_once(qa_reviewer, qa_approver):
    # The count takes users who hold one role at one place by their grant (role, site), and builds the
    # others' pairs one by one: both kinds, a pair required twice, and a grant held at every site.
    site, other = make_site(actor=qa_approver), make_site(actor=qa_approver)
    alike = [make_user("operator", password=PASSWORD, site=site) for _ in range(3)]  # one grant, three holders
    everywhere = make_user("operator", password=PASSWORD, site=None)
    twice = make_user("operator", password=PASSWORD, site=site)
    give_role(twice, "operator", None)  # the same role again, at every site: its pairs once
    both = make_user("qc_analyst", password=PASSWORD, site=site)
    give_role(both, "operator", other)
    named = make_user("operator", password=PASSWORD, site=site)
    elsewhere = make_user("operator", password=PASSWORD, site=other)
    docs = [make_document(actor=qa_reviewer, site=None) for _ in range(3)]
    versions = [
        make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=d) for d in docs
    ]
    make_training_requirement(actor=qa_approver, document=docs[0], role="operator", site=None)
    make_training_requirement(actor=qa_approver, document=docs[0], role="operator", site=site)  # required twice
    make_training_requirement(actor=qa_approver, document=docs[1], role="qc_analyst", site=site)
    make_training_requirement(actor=qa_approver, document=docs[1], user=named)
    make_training_requirement(actor=qa_approver, document=docs[0], user=named)  # also by role: once
    make_training_requirement(actor=qa_approver, document=docs[2], role="operator", site=other)
    for person, version in [(alike[0], versions[0]), (alike[1], versions[0]), (everywhere, versions[2]),
                            (twice, versions[0]), (both, versions[1]), (named, versions[1]),
                            (elsewhere, versions[2]), (alike[2], versions[1])]:  # fmt: skip
        documents.read_and_understood(actor=person, version=version, password=PASSWORD)
    at = clock.now() + dt.timedelta(seconds=1)
    for where in (None, site, other):
        expected = plain_compliance(where, at)
        assert training_compliance(where, at) == expected, where
        assert training_matrix(where, at).compliance == expected, where
