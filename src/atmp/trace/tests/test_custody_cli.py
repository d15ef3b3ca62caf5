"""The chain of custody on the command line: ship, hand over, import a log, administer by scan;
refusals exit 2 naming the field and the rule."""

from __future__ import annotations

import pytest

from atmp.trace.models import Handover
from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


def _ship(lot, *extra):
    return atmp(
        "ship", "SHP-1", "--lot", lot, "--origin", "Leiden", "--destination", "LUMC", "--stage", "treatment_centre",
        "--tracking", "1Z-1", "--low", "-196", "--high", "-150", *extra, "--as", "olga", "--json",
    )  # fmt: skip


def _hand_over(giver, receiver, shipment="SHP-1"):
    return atmp(
        "handover", shipment, "--stage", "treatment_centre", "--giver-scan", giver, "--receiver-scan", receiver,
        "--place", "LUMC pharmacy", "--from", "Courier", "--to", "Pharmacy", "--as", "olga", "--json",
    )  # fmt: skip


def test_a_chain_is_recorded_on_the_command_line(operator, anna, bert, tmp_path):
    patient, _, bag = anna
    assert doc(_ship(bag.number))["coi"] == patient.coi

    blocked = _hand_over(bag.number, bert[0].coi)
    assert blocked.exit_code == 2
    assert "receiver_scan: the receiver's scan names COI" in blocked.stderr and "deviation DEV-" in blocked.stderr
    assert doc(_hand_over(bag.number, bag.number))["outcome"] == "accepted"

    log = tmp_path / "logger.csv"
    log.write_text("time,temp\n2026-12-01T08:00:00Z,-180\n2026-12-01T09:00:00Z,-140\n2026-12-01T09:30:00Z,-170\n")
    imported = doc(atmp("temperature-log", "1Z-1", str(log), "--as", "olga", "--json"))
    assert (imported["excursion"], imported["seconds_out_of_range"]) == (True, 1800)

    shown = doc(atmp("shipment", "SHP-1", "--json"))
    assert [h["outcome"] for h in shown["handovers"]] == ["blocked", "accepted"]
    assert len(shown["temperature_logs"][0]["deviations"]) == 1

    wrong = atmp("administer", "--patient-scan", bert[0].coi, "--product-scan", bag.number, "--place", "ward 4",
                 "--as", "olga")  # fmt: skip
    assert wrong.exit_code == 2 and "product_scan: lot" in wrong.stderr
    given = atmp("administer", "--patient-scan", patient.coi, "--product-scan", bag.number, "--place", "ward 4",
                 "--as", "olga", "--json")  # fmt: skip
    assert (doc(given)["lot"], doc(given)["patient"]) == (bag.number, patient.coi)
    assert Handover.objects.filter(stage="bedside").count() == 2


def test_bad_input_exits_2_naming_the_field_and_the_rule(operator, anna, qa_approver):
    assert _ship(anna[2].number).exit_code == 0
    again = _ship(anna[2].number)
    assert again.exit_code == 2 and "number: there is already a shipment SHP-1" in again.stderr
    unknown = _hand_over("NOPE", anna[2].number)
    assert unknown.exit_code == 2 and "giver_scan: 'NOPE' is no lot number or COI known here" in unknown.stderr
    both = atmp("administer", anna[2].number, anna[0].coi, "--patient-scan", anna[0].coi, "--as", "olga")
    assert both.exit_code == 2 and "not both" in both.stderr
    half = atmp("administer", "--patient-scan", anna[0].coi, "--as", "olga")
    assert half.exit_code == 2 and "product_scan: --product-scan is needed" in half.stderr
    assert not Handover.objects.exists()
    bad_stage = _ship(anna[2].number, "--stage", "moon")
    assert bad_stage.exit_code == 2 and "moon" in bad_stage.stderr
