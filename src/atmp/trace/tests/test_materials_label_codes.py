"""A material's codes for labels: a GTIN (checked with GS1's mod-10, kept as GTIN-14) and an ISBT 128
product code (checked as Data Structure 003); set at creation or later, with a reason, in the ledger."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import ReasonRequired
from atmp.ledger.models import AuditEntry
from atmp.trace import factories
from atmp.trace.services.materials import set_label_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("09501101530003", "09501101530003"),  # GTIN-14
        ("6291041500213", "06291041500213"),  # GS1's GTIN-13 example, padded
        ("036000291452", "00036000291452"),  # a GTIN-12
        ("96385074", "00000096385074"),  # a GTIN-8
    ],
)
def test_a_gtin_is_checked_and_kept_as_gtin_14(qa_reviewer, given, stored):
    material = factories.make_material(actor=qa_reviewer, gtin=given)
    assert material.gtin == stored


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("09501101530004", "the check digit of GTIN-14 09501101530004 is 3, not 4"),
        ("950110153000", "the check digit of GTIN-12 950110153000 is 7, not 0"),
        ("12345", "8, 12, 13 or 14 digits"),
        ("0950110153000X", "8, 12, 13 or 14 digits"),
    ],
)
def test_a_wrong_gtin_is_refused_naming_the_rule(qa_reviewer, given, rule):
    with pytest.raises(InvalidInput, match=rule) as refused:
        factories.make_material(actor=qa_reviewer, gtin=given)
    assert refused.value.field == "gtin"


def test_a_product_code_is_checked_as_isbt_128_data_structure_003(qa_reviewer):
    made = factories.make_material(actor=qa_reviewer, isbt128_product_code="S1295100")
    assert made.isbt128_product_code == "S1295100"
    with pytest.raises(InvalidInput, match="not a type of collection") as refused:
        factories.make_material(actor=qa_reviewer, isbt128_product_code="S12959A0")
    assert refused.value.field == "isbt128_product_code"


def test_codes_are_set_later_with_a_reason_in_the_ledger(qa_reviewer, material):
    with pytest.raises(ReasonRequired):
        set_label_codes(actor=qa_reviewer, material=material, gtin="09501101530003", reason="")
    changed = set_label_codes(actor=qa_reviewer, material=material, gtin="09501101530003", reason="labels")
    assert (changed.gtin, changed.version) == ("09501101530003", 2)
    entry = AuditEntry.objects.filter(record_type="trace.material", record_id=str(material.pk)).order_by("-seq").first()
    assert json.loads(entry.changes)["gtin"] == ["", "09501101530003"] and entry.reason == "labels"
    assert set_label_codes(actor=qa_reviewer, material=material, gtin="", reason="withdrawn").gtin == ""
