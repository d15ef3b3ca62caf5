"""Equipment last used for another product or GMO class needs a changeover cleaning (usable(product=…))."""

from __future__ import annotations

import pytest

from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing.models import LogbookEntry
from atmp.manufacturing.services import logbook
from atmp.manufacturing.services.equipment import equipment_changeover_missing, usable

pytestmark = pytest.mark.django_db


def test_a_use_for_a_product_records_it_and_its_gmo_class(bsc, operator, lentiviral):
    entry = logbook.record_use(actor=operator, equipment=bsc, purpose="LV-1 step 2", product=lentiviral)
    assert (entry.product, entry.gmo_class) == (lentiviral, "2")


def test_a_cabinet_last_used_for_another_product_needs_a_changeover_cleaning(bsc, operator, lentiviral, product):
    logbook.record_use(actor=operator, equipment=bsc, purpose="LV-1 step 2", product=lentiviral)
    logbook.record_cleaning(actor=operator, equipment=bsc, note="routine")
    refused = usable(bsc, on=clock.now(), product=product)
    assert refused.startswith("changeover missing: BSC-01 was last used for LV-001 (GMO class 2)")
    assert usable(bsc, on=clock.now()) is None  # callers that name no product are unchanged
    assert usable(bsc, on=clock.now(), product=lentiviral) is None
    count = LogbookEntry.objects.count()
    with pytest.raises(RuleViolation, match="^changeover missing"):
        logbook.record_use(actor=operator, equipment=bsc, purpose="AAV-1 step 1", product=product)
    assert LogbookEntry.objects.count() == count
    logbook.record_cleaning(actor=operator, equipment=bsc, note="sporicide", changeover=True)
    assert equipment_changeover_missing(bsc, product, on=clock.now()) is None
    assert logbook.record_use(actor=operator, equipment=bsc, purpose="AAV-1 step 1", product=product).product == product


def test_a_use_without_a_product_is_not_taken_as_another_product_s(bsc, operator, product):
    logbook.record_use(actor=operator, equipment=bsc, purpose="media preparation")
    logbook.record_cleaning(actor=operator, equipment=bsc)
    assert usable(bsc, on=clock.now(), product=product) is None
