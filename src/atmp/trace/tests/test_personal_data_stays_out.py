"""DESIGN.md principle 8, proven by search: after registering, revealing, finding, correcting and refusing,
the test persons' names, birth dates and hospital numbers appear nowhere an inspector or a log reads:
ledger entries, the ledger's exports (JSONL, CSV), the API's records and trail, the record pages, the
printed PDFs (their text and embedded files), and the logs at every level."""

from __future__ import annotations

import io
import logging

import pypdf
import pytest
from click.testing import CliRunner
from django.db import connection

from atmp.cli.main import main
from atmp.testing import ApiClient, signed_in, token_for
from atmp.trace.services import identities
from atmp.web import record_page

from .conftest import JANE, JOHN

pytestmark = pytest.mark.django_db

# Every form of the data a careless write could leak: whole values, surnames, numbers without separators.
SEARCHED = [
    *JANE.values(), *JOHN.values(), "Zwanenburg", "Okonkwo", "Þórsson", "Jóhann", "Thorsson",
    "7731942", "0004411", "17.04.1961", "02.11.1958", "Smit-Fixed",
]  # fmt: skip


def leaks(text: str) -> list[str]:
    return [value for value in SEARCHED if value.lower() in text.lower()]


@pytest.fixture
def history(coordinator, pv_officer, qa_reviewer, site, caplog):
    """Both persons registered, revealed, searched for, one corrected, one refusal; every log captured."""
    caplog.set_level(logging.DEBUG)
    jane = identities.register_person_with_identity(actor=coordinator, kind="patient", site=site, **JANE)
    john = identities.register_person_with_identity(actor=coordinator, kind="donor", site=site, **JOHN)
    identities.reveal(actor=coordinator, person=jane, purpose="label check before infusion")
    identities.reveal(actor=pv_officer, person=john, purpose="adverse event follow-up")
    identities.find(actor=coordinator, hospital_number=JANE["hospital_number"], purpose="registration check")
    identities.find(actor=coordinator, name=JOHN["name"], birth_date=JOHN["birth_date"], purpose="registration check")
    identities.correct_identity(actor=coordinator, person=john, name="Jóhann Smit-Fixed", reason="name changed")
    api = ApiClient(token_for(coordinator))
    api.post("/trace/persons", {"site": "LEI", "kind": "patient", **JANE})  # refused: a duplicate
    api.post("/trace/persons", {"site": "LEI", "kind": "patient", **JANE, "birth_date": "17.04.1961"})  # refused
    api.post(f"/trace/persons/{jane.coi}/reveal", {"purpose": "label check before infusion"})
    return jane, john


def test_no_ledger_entry_holds_personal_data(history):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ledger_auditentry ORDER BY seq")
        rows = cursor.fetchall()
    assert len(rows) > 10
    assert leaks(repr(rows)) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_no_ledger_export_holds_personal_data(history, fmt):
    done = CliRunner().invoke(main, ["ledger", "export", "--format", fmt])
    assert done.exit_code == 0, done.output
    assert "identity_revealed" in done.stdout and leaks(done.stdout) == []


def test_no_api_answer_but_the_reveal_holds_personal_data(history, coordinator):
    jane, john = history
    api = ApiClient(token_for(coordinator))
    answers = [api.get(f"/records/{r.record_type()}/{r.pk}") for r in (jane, john, jane.identity, john.identity)] + [
        api.get(f"/records/{r.record_type()}/{r.pk}/history") for r in (jane.identity, john.identity)
    ]
    answers.append(api.get("/ledger/entries", limit=200))
    answers.append(api.post("/trace/persons/find", {"hospital_number": JANE["hospital_number"], "purpose": "check"}))
    for answer in answers:
        assert answer.status_code == 200, answer.content[:500]
        assert leaks(answer.content.decode()) == []


def test_no_record_page_or_audit_trail_page_holds_personal_data(history, coordinator, inspector):
    jane, john = history
    for user in (coordinator, inspector):
        client = signed_in(user)
        for record in (jane, john, jane.identity, john.identity, jane.site):
            html = client.get(f"/records/{record.record_type()}/{record.pk}/").content.decode()
            assert leaks(html) == [], record
        assert leaks(client.get("/audit/", {"record_type": "trace.identity"}).content.decode()) == []


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = "\n".join(page.extract_text() for page in reader.pages)
    embedded = b"\n".join(b for blobs in reader.attachments.values() for b in blobs)
    return pages + "\n" + embedded.decode("utf-8", "replace")


def test_no_printed_pdf_holds_personal_data(history, coordinator):
    jane, john = history
    for record in (jane, jane.identity, john.identity):
        text = pdf_text(record_page.record_pdf(coordinator, record))
        coi = getattr(record, "coi", None) or record.person.coi
        assert coi in text
        if record is not jane:
            assert "revealed" in text.lower()  # the reads are in the printed history, with their purpose
        assert leaks(text) == [], record


def test_no_log_line_holds_personal_data(history, caplog):
    logged = caplog.get_records("setup")
    assert any(r.name == "django.request" for r in logged)  # the refused API calls were logged
    assert leaks("\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in logged)) == []
