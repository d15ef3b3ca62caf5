"""Registering a donor or patient: a COI code of the site's scheme, and no personal data at all."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.trace import coi
from atmp.trace.models import Person
from atmp.trace.services.persons import register_person

pytestmark = pytest.mark.django_db


def test_each_person_gets_the_next_coi_of_the_site(qa_reviewer, site):
    first = register_person(actor=qa_reviewer, kind="patient", site=site)
    second = register_person(actor=qa_reviewer, kind="donor", site=site)
    assert first.coi.startswith("LEI-P-000001") and second.coi.startswith("LEI-P-000002")
    assert coi.is_valid(first.coi) and coi.is_valid(second.coi)


def test_the_table_holds_nothing_that_identifies_the_person():
    fields = {f.name for f in Person._meta.concrete_fields}
    assert fields == {"id", "version", "status", "created_at", "created_by", "voided", "coi", "kind", "site"}


def test_it_refuses_a_kind_other_than_donor_or_patient(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="not one of") as refused:
        register_person(actor=qa_reviewer, kind="relative", site=site)
    assert refused.value.field == "kind"


def test_it_refuses_a_site_the_actor_does_not_work_at(site):
    from atmp.testing import make_site, make_user

    elsewhere = make_user("operator", site=make_site(code="AMS"))
    with pytest.raises(InvalidInput, match="you do not work at site LEI"):
        register_person(actor=elsewhere, kind="patient", site=site)
