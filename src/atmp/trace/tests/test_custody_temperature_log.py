"""Importing a shipper's temperature log: the file kept, the range applied, an excursion opening a
deviation that holds the shipment."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.files.models import Attachment
from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.trace import factories
from atmp.trace.models import TemperatureLog
from atmp.trace.services.custody import import_temperature_log, readings_of
from atmp.workflow.models import Link

pytestmark = pytest.mark.django_db

WARM = "time;temp °C\n2026-12-01 08:00:00;4,0\n2026-12-01 08:10:00;9,5\n2026-12-01 08:25:00;5,0\n"


def _import(operator, shipment, content, name="logger.csv"):
    return import_temperature_log(actor=operator, shipment=shipment, stream=io.BytesIO(content.encode()), name=name)


def test_a_log_within_range_is_kept_with_its_summary(operator, anna):
    shipment = factories.make_shipment(actor=operator, lots=[anna[2]], temperature_low="2", temperature_high="8")
    log = _import(operator, shipment, factories.TEMPERATURE_CSV)
    assert (log.readings, log.minimum, log.maximum, log.excursion) == (3, Decimal("4.00"), Decimal("6.00"), False)
    assert (log.low, log.high, log.range_from) == (Decimal("2"), Decimal("8"), f"shipment {shipment.number}")
    assert Attachment.objects.get(target_type="trace.shipment").stored_file == log.file
    assert len(readings_of(log)) == 3 and not Deviation.objects.exists()


def test_the_range_comes_from_the_materials_storage_condition_when_the_shipment_has_none(operator, anna):
    shipment = factories.make_shipment(actor=operator, lots=[anna[1]], destination_stage="manufacturing")
    log = _import(operator, shipment, factories.TEMPERATURE_CSV)
    assert (log.low, log.high) == (Decimal("2"), Decimal("8"))
    assert anna[1].material.code in log.range_from


def test_an_excursion_opens_a_deviation_linked_to_the_log_and_holds_the_shipment(operator, anna):
    shipment = factories.make_shipment(actor=operator, lots=[anna[1]], destination_stage="manufacturing")
    log = _import(operator, shipment, WARM)
    assert (log.excursion, log.seconds_out_of_range, log.maximum) == (True, 900, Decimal("9.50"))
    deviation = Deviation.objects.get()
    assert deviation.title == f"Temperature excursion in shipment {shipment.number}"
    linked = {x.target_type for x in Link.objects.filter(source_id=str(deviation.pk))}
    assert linked == {"trace.temperaturelog", "trace.shipment"}
    with pytest.raises(RuleViolation, match=f"shipment {shipment.number} is held: .* {deviation.number} is not closed"):
        factories.make_handover(actor=operator, shipment=shipment)


def test_a_log_that_cannot_be_read_is_refused_naming_the_line_and_nothing_is_kept(operator, shipment):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="temperature_log: line 3: 'warm' is not a temperature"):
        _import(operator, shipment, "time,temperature\n2026-12-01T08:00:00Z,4\n2026-12-01T09:00:00Z,warm\n")
    with pytest.raises(InvalidInput, match="temperature_log: line 1: the header"):
        _import(operator, shipment, "a,b\n1,2\n")
    assert AuditEntry.objects.count() == before and not TemperatureLog.objects.exists()


def test_a_shipment_without_a_range_anywhere_is_refused(operator, qa_reviewer, site):
    lot = factories.make_released_lot(actor=qa_reviewer, site=site)
    shipment = factories.make_shipment(actor=operator, lots=[lot])
    with pytest.raises(InvalidInput, match="temperature_low: shipment .* has no range"):
        _import(operator, shipment, factories.TEMPERATURE_CSV)
