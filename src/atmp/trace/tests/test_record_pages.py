"""The shell's record page shows every traceability record: its fields, status and transitions, history."""

from __future__ import annotations

import pytest

from atmp.testing import RECORD_FACTORIES, signed_in

pytestmark = pytest.mark.django_db

TYPES = sorted(t for t in RECORD_FACTORIES if t.startswith("trace."))


@pytest.mark.parametrize("record_type", TYPES)
def test_each_traceability_record_has_its_page(qa_reviewer, qa_approver, record_type):
    record = RECORD_FACTORIES[record_type][0](qa_reviewer)
    response = signed_in(qa_approver).get(f"/records/{record_type}/{record.pk}/")
    assert response.status_code == 200


def test_a_lot_in_quarantine_offers_qa_the_signed_release(qa_approver, lot):
    page = signed_in(qa_approver).get(f"/records/trace.lot/{lot.pk}/").content.decode()
    assert "Release" in page and "Released" in page
