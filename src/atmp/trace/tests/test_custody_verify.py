"""`atmp verify` stays green over a chain of custody: blocked attempts, deviations, kept logs, administrations."""

from __future__ import annotations

import pytest

from atmp.ledger import verify
from atmp.trace import factories
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan

pytestmark = pytest.mark.django_db


def test_a_chain_with_blocked_attempts_verifies(operator, shipment, anna, bert):
    with pytest.raises(HandoverBlocked):
        factories.make_handover(actor=operator, shipment=shipment, receiver_scan=bert[2].number)
    factories.make_handover(actor=operator, shipment=shipment)
    factories.make_temperature_log(actor=operator)
    with pytest.raises(HandoverBlocked):
        administer_by_scan(actor=operator, patient_scan=bert[0].coi, product_scan=anna[2].number, place="ward 4")
    administer_by_scan(actor=operator, patient_scan=anna[0].coi, product_scan=anna[2].number, place="ward 4")
    report = verify.run(processes=1)
    assert report.ok, report.failures
    assert report.as_dict()["files"] == 1
