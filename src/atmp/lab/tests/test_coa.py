"""A batch's certificate of analysis: the page, the PDF/A (it opens and lists the results, pending ones as
pending, with the proofs embedded), the CLI and the API."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from django.test import Client

from atmp.cli.main import main
from atmp.lab.selectors.coa import coa_document
from atmp.lab.services import results as svc
from atmp.lab.tests.test_results import analyst, batch, sample  # noqa: F401 - shared fixtures
from atmp.testing import PASSWORD, ApiClient, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tested(analyst, sample):  # noqa: F811
    """Two results entered, one reviewed; three attributes pending."""
    titre = svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.1E13")
    svc.record_result(actor=analyst, sample=sample, attribute="2", value="0.20")
    svc.review(actor=make_user("qc_analyst", username="max", password=PASSWORD), result=titre, password=PASSWORD)
    return sample.batch


def _text(data: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # a table cell wraps


def test_the_document_lists_each_attribute_with_pending_ones_named(tested):
    doc = coa_document(tested)
    lines = {a["attribute"]: a for a in doc["attributes"]}
    assert lines["Vector genome titre"]["reported"] == "2.10E13" and lines["Vector genome titre"]["reviewed_by"]
    endotoxin = lines["Bacterial endotoxins"]
    assert endotoxin["conformity"] == "conforms" and not endotoxin["reviewed_by"]
    assert lines["Host-cell protein"]["pending"] and lines["Host-cell protein"]["conformity"] == "pending"
    assert doc["pending"] == ["Host-cell protein", "Appearance", "Capsid ratio"]
    assert not doc["complies"] and doc["statement"].startswith("Results pending")


def test_a_failing_result_makes_the_statement_say_so(analyst, sample):  # noqa: F811
    svc.record_result(actor=analyst, sample=sample, attribute="2", value="0.9")
    doc = coa_document(sample.batch)
    assert doc["failing"] == ["Bacterial endotoxins"] and "NOT comply" in doc["statement"]


def test_the_page_and_its_pdf_list_the_results(tested, analyst):  # noqa: F811
    browser = Client()
    browser.force_login(analyst)
    page = browser.get(f"/lab/batches/{tested.number}/coa/").content.decode()
    assert "2.10E13" in page and "pending" in page and "Phase I" in page and 'data-testid="coa-pdf"' in page
    answer = browser.get(f"/lab/batches/{tested.number}/coa.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    data = b"".join(answer.streaming_content) if answer.streaming else answer.content
    text = _text(data)
    for shown in (tested.number, "2.10E13", "0.20", "pending", "Vector genome titre", "quinn"):
        assert shown in text
    import pypdf

    names = pypdf.PdfReader(io.BytesIO(data)).attachments
    assert {"manifest.json", "entries.jsonl", "proofs.json", "checkpoint.txt"} <= set(names)
    manifest = json.loads(names["manifest.json"][0])
    assert {r["type"] for r in manifest["records"]} >= {"manufacturing.batch", "lab.result", "lab.specification"}
    assert browser.get("/lab/batches/NO-SUCH/coa/").status_code == 404


def test_the_cli_writes_the_pdf_and_prints_the_document(tested, tmp_path):
    out = tmp_path / "coa.pdf"
    run = CliRunner().invoke(main, ["lab", "coa", tested.number, "--out", str(out), "--as", "quinn", "--json"],
                             catch_exceptions=False)  # fmt: skip
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["batch"] == tested.number and "2.10E13" in _text(out.read_bytes())
    shown = CliRunner().invoke(main, ["lab", "coa", tested.number, "--as", "quinn", "--json"], catch_exceptions=False)
    assert json.loads(shown.stdout)["pending"] == ["Host-cell protein", "Appearance", "Capsid ratio"]
    missing = CliRunner().invoke(main, ["lab", "coa", "NO-SUCH", "--as", "quinn"], catch_exceptions=False)
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_the_api_answers_the_document_and_the_pdf(tested, analyst):  # noqa: F811
    api = ApiClient(token_for(analyst))
    doc = api.get(f"/lab/batches/{tested.number}/coa")
    assert doc.status_code == 200 and doc.json()["attributes"][0]["reported"] == "2.10E13"
    pdf = api.get(f"/lab/batches/{tested.number}/coa.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert api.get("/lab/batches/NO-SUCH/coa").status_code == 404


def test_the_pdf_is_checked_offline_by_the_contrib_verifier(tested, analyst, tmp_path, capsys):  # noqa: F811
    import importlib.util
    from pathlib import Path

    from atmp.lab.coa import coa_pdf
    from atmp.ledger import keys

    script = Path(__file__).resolve().parents[4] / "contrib" / "atmp_verify.py"
    spec = importlib.util.spec_from_file_location("atmp_verify_coa", script)
    assert spec is not None and spec.loader is not None
    verifier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verifier)
    path = tmp_path / "coa.pdf"
    path.write_bytes(coa_pdf(analyst, tested))
    assert verifier.main(["pdf", str(path), "--vkey", keys.verifier_key()]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.startswith(f"OK: manufacturing.batch:{tested.pk}")
