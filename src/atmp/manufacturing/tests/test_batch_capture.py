"""Process values captured over OPC UA from the step's equipment: source and measuring time kept, rules as typed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.cli.main import main
from atmp.manufacturing.factories import make_running_step, make_usable_equipment
from atmp.manufacturing.services.batch_capture import capture_parameter
from atmp.manufacturing.services.equipment import set_regimes
from atmp.manufacturing.tests.opcua_server import MEASURED_AT, running_server
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server():
    with running_server() as running:
        yield running


@pytest.fixture
def step(qa_reviewer, server):
    """A running first step whose biosafety cabinet has the test server's endpoint registered."""
    running, floor = make_running_step(actor=qa_reviewer)
    set_regimes(actor=floor["qa"], equipment=floor["bsc"], reason="connected", opcua_endpoint=server.endpoint)
    floor["bsc"].refresh_from_db()
    return running, floor


def capture(step, server, name, **kwargs):
    running, floor = step
    return capture_parameter(
        actor=floor["operator"], step=running, parameter=running.mbr_step.parameters.get(),
        equipment=kwargs.pop("equipment", floor["bsc"]), node=server.node(name), **kwargs,
    )  # fmt: skip


def test_a_captured_value_keeps_its_source_and_the_instruments_time(step, server):
    entry = capture(step, server, "Temperature")
    assert entry.value == "37.2" and entry.amount == Decimal("37.2") and entry.unit == "Cel"
    assert entry.source == f"{server.endpoint}#{server.node('Temperature')}"
    assert entry.observed_at == MEASURED_AT and entry.late  # measured long before it was recorded
    assert entry.flag == "ok" and entry.created_by == step[1]["operator"]


@pytest.mark.parametrize(
    ("name", "kwargs", "field", "words"),
    [
        ("Count", {}, "unit", "unit missing"),
        ("Temperature", {"unit": "%"}, "unit", "unit mismatch"),
        ("Sensor", {}, "node", "has status BadSensorFailure"),
    ],
)
def test_a_reading_gmp_cannot_record_is_refused_and_nothing_is_written(
    step, server, ledger_size, name, kwargs, field, words
):
    before = ledger_size()
    with pytest.raises(InvalidInput) as refused:
        capture(step, server, name, **kwargs)
    assert refused.value.field == field and words in str(refused.value)
    assert ledger_size() == before


def test_a_count_with_its_unit_given_is_checked_against_the_ranges(step, server):
    entry = capture(step, server, "Count", unit="Cel")
    assert entry.amount == Decimal("42") and entry.flag == "out_of_par" and entry.deviation is not None


def test_only_equipment_of_the_step_with_a_registered_endpoint_is_read(step, server, ledger_size):
    other = make_usable_equipment(actor=step[1]["qa"], site=step[0].batch.site, code="BSC-OTHER")
    before = ledger_size()
    with pytest.raises(InvalidInput, match="is not used by step"):
        capture(step, server, "Temperature", equipment=other)
    set_regimes(actor=step[1]["qa"], equipment=step[1]["bsc"], reason="disconnected", opcua_endpoint="")
    step[1]["bsc"].refresh_from_db()
    with pytest.raises(InvalidInput, match="has no OPC UA endpoint registered"):
        capture(step, server, "Temperature")
    assert ledger_size() == before + 1  # the regime change, nothing else


def test_an_endpoint_is_registered_only_in_its_canonical_form(step):
    with pytest.raises(InvalidInput) as refused:
        set_regimes(actor=step[1]["qa"], equipment=step[1]["bsc"], reason="x", opcua_endpoint="http://bsc:4840")
    assert refused.value.field == "opcua_endpoint" and "opc.tcp://" in str(refused.value)


def test_the_api_and_the_cli_capture_a_value(step, server, client):
    from atmp.accounts import auth

    running, floor = step
    batch = running.batch
    token = auth.issue_token(actor=None, user=floor["operator"], name="t").raw
    url = f"/api/v1/manufacturing/batches/{batch.number}/steps/{running.number}/parameters/capture"
    body = {"position": 1, "equipment": floor["bsc"].code, "node": server.node("Temperature")}
    answer = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 201, answer.content
    assert answer.json()["source"].endswith("#" + server.node("Temperature"))
    refused = client.post(
        url, {**body, "equipment": "NOPE"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert refused.status_code == 400 and "equipment" in refused.json()["detail"]


def test_the_cli_names_the_field_it_refuses(step, server):
    from click.testing import CliRunner

    running, floor = step
    args = ["manufacturing", "batch", "capture", running.batch.number, str(running.number), "1",
            "--node", server.node("Temperature"), "--as", floor["operator"].username]  # fmt: skip
    run = CliRunner().invoke
    ok = run(main, [*args, "--equipment", floor["bsc"].code, "--json"], env={"ATMP_PASSWORD": PASSWORD})
    assert ok.exit_code == 0, ok.output
    refused = run(main, [*args, "--equipment", "NOPE"], env={"ATMP_PASSWORD": PASSWORD})
    assert refused.exit_code == 2 and "equipment" in refused.stderr
