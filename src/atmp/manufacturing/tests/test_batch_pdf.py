"""The batch record as PDF/A-3b: every step and entry, the signatures' manifestations, and the proofs of
the batch, its steps and its entries embedded (page, API and command line; checked offline by contrib)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import keys
from atmp.ledger.models import AuditEntry, Signature
from atmp.manufacturing import factories
from atmp.manufacturing.models import BatchEntry
from atmp.manufacturing.services.batch_entries import correct_entry, record_parameter
from atmp.printing import proofs
from atmp.testing import PASSWORD, ApiClient, make_site, make_user, token_for

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[4] / "contrib" / "atmp_verify.py"
REASON = "the probe was recalibrated"


def _verifier():
    spec = importlib.util.spec_from_file_location("atmp_verify_batch", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def executed(running, floor, batch):
    """Step 10 of the batch done: a value out of NOR acknowledged, corrected with a reason, every entry verified."""
    temperature = running.mbr_step.parameters.get()
    first = record_parameter(
        actor=floor["operator"], step=running, parameter=temperature, value="38.0", acknowledged=True
    )
    correct_entry(actor=floor["operator"], entry=first, value="37.1", reason=REASON)
    factories.execute_step(step=running, floor=floor)
    return batch


def _pdf(batch, user) -> bytes:
    from atmp.manufacturing.printed import batch_pdf

    return batch_pdf(user, batch)


def _text(data: bytes) -> str:
    """Return the PDF's text with its line breaks as spaces (a narrow cell wraps a reason)."""
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def test_it_is_pdf_a_3b_with_the_proofs_of_every_record_of_the_batch(executed, inspector):
    reader = pypdf.PdfReader(io.BytesIO(_pdf(executed, inspector)))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    manifest = json.loads(reader.attachments[proofs.MANIFEST][0])
    assert manifest["format"] == proofs.FORMAT_MEMBERS
    listed = {(r["type"], r["id"]) for r in manifest["records"]}
    entries = BatchEntry.objects.filter(step__batch=executed)
    assert ("manufacturing.batch", str(executed.pk)) in listed
    assert {("manufacturing.batchstep", str(s.pk)) for s in executed.steps.all()} <= listed
    assert {("manufacturing.batchentry", str(e.pk)) for e in entries} <= listed
    lines = [json.loads(x) for x in reader.attachments[proofs.ENTRIES][0].splitlines()]
    signs = {
        e["record"]["id"] for e in lines if e["action"] == "sign" and e["record"]["type"] == "manufacturing.batchentry"
    }
    signed = Signature.objects.filter(
        record_type="manufacturing.batchentry", record_id__in=[str(e.pk) for e in entries]
    )
    assert signs == set(signed.values_list("record_id", flat=True)) != set()
    for record in manifest["records"]:
        assert record["snapshot"] in reader.attachments


def test_it_prints_every_step_every_entry_and_the_struck_correction(executed, inspector):
    text = _text(_pdf(executed, inspector))
    assert f"Batch {executed.number}" in text and executed.output_lot.number in text
    for step in executed.steps.all():
        assert step.mbr_step.title in text
    for e in BatchEntry.objects.filter(step__batch=executed, lot=None):
        assert e.value in text
    struck = BatchEntry.objects.get(step__batch=executed, value="38.0")
    assert f"#{struck.pk} Temperature superseded 38.0 °C" in text and f"(corrects #{struck.pk}: {REASON})" in text
    assert "normal 36.5–37.5 °C" in text  # the step's ranges (UCUM Cel shown as °C)
    assert "Review by exception" in text and "History" in text


def test_the_struck_value_is_marked_up_as_deleted(executed, inspector):
    from atmp.manufacturing.printed import print_html

    html = print_html(inspector, executed, printed_at=executed.created_at)
    assert re.search(r"<del>\s*38\.0 °C\s*</del>", html)
    assert "<form" not in html and "<script" not in html and "<nav" not in html


def test_the_verification_is_printed_as_a_signature_manifestation(executed, inspector):
    text = _text(_pdf(executed, inspector))
    verification = Signature.objects.filter(meaning="verified").order_by("entry_seq").first()
    assert verification is not None
    assert "Verified" in text and verification.signer_name in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text) and re.search(r" CES?T\b", text)


def test_the_contrib_verifier_passes_and_fails_on_one_altered_entry_line(executed, inspector, tmp_path, capsys):
    av = _verifier()
    path = tmp_path / "batch.pdf"
    path.write_bytes(_pdf(executed, inspector))
    vkey = keys.verifier_key()
    assert av.main(["pdf", str(path), "--vkey", vkey]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert out.startswith(f"OK: manufacturing.batch:{executed.pk}") and "records" in out

    writer = pypdf.PdfWriter(clone_from=path)
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    for label, spec in zip(names[::2], names[1::2], strict=True):
        if label == proofs.ENTRIES:
            stream = spec.get_object()["/EF"]["/F"].get_object()
            data = stream.get_data()
            assert b'"value":[null,"37.1"]' in data
            stream.set_data(data.replace(b'"value":[null,"37.1"]', b'"value":[null,"37.2"]', 1))
    forged = tmp_path / "forged.pdf"
    with forged.open("wb") as f:
        writer.write(f)
    assert av.main(["pdf", str(forged), "--vkey", vkey]) == 1
    assert "FAIL hash seq" in capsys.readouterr().out


def test_printing_writes_nothing_but_a_checkpoint(executed, inspector):
    before = set(AuditEntry.objects.values_list("action", flat=True).distinct())
    count = AuditEntry.objects.count()
    _pdf(executed, inspector)
    added = AuditEntry.objects.filter(seq__gt=count)
    assert set(added.values_list("action", flat=True)) <= {"checkpoint"} and before


def test_the_batch_page_links_to_its_pdf_and_serves_it(executed, inspector):
    from atmp.web.tests.conftest import signed_in

    client = signed_in(inspector)
    page = client.get(f"/manufacturing/batches/{executed.pk}/").content.decode()
    assert f'href="/manufacturing/batches/{executed.pk}/pdf"' in page
    response = client.get(f"/manufacturing/batches/{executed.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"batch-{executed.number}-v{executed.version}.pdf" in response["Content-Disposition"]
    assert client.get("/manufacturing/batches/999999/pdf").status_code == 404


def test_a_user_of_another_site_gets_no_pdf(executed):
    from atmp.web.tests.conftest import signed_in

    elsewhere = make_user("inspector", username="faraway", password=PASSWORD, site=make_site())
    assert signed_in(elsewhere).get(f"/manufacturing/batches/{executed.pk}/pdf").status_code == 404
    api = ApiClient(token_for(elsewhere))
    assert api.get(f"/manufacturing/batches/{executed.number}/pdf").status_code in (403, 404)


def test_the_api_answers_the_pdf_and_404_for_an_unknown_number(executed, inspector):
    api = ApiClient(token_for(inspector))
    response = api.get(f"/manufacturing/batches/{executed.number}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert proofs.ENTRIES in pypdf.PdfReader(io.BytesIO(response.content)).attachments
    assert api.get("/manufacturing/batches/NO-SUCH-BATCH/pdf").status_code == 404


def test_the_command_line_writes_the_pdf_and_exits_2_for_an_unknown_number(executed, inspector, tmp_path):
    out = tmp_path / "batch.pdf"
    runner = CliRunner()
    done = runner.invoke(main, ["manufacturing", "batch", "pdf", executed.number, "--out", str(out), "--as", "ines"])
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF") and executed.number in done.stdout
    unknown = runner.invoke(main, ["manufacturing", "batch", "pdf", "NO-SUCH", "--out", str(out), "--as", "ines"])
    assert (
        unknown.exit_code == 2 and "there is no batch 'NO-SUCH'" in unknown.stderr and "Traceback" not in unknown.output
    )
    helped = runner.invoke(main, ["manufacturing", "batch", "pdf", "--help"])
    assert "atmp manufacturing batch pdf" in helped.output
