"""A long batch record's PDF is made off the request (ADR 0031): queued by the page, the API or the command
line, rendered by `atmp tick`'s periodic task, offered with when it was made and what it shows, flagged
when the record has changed since, and refused (404) to a user who may not see the batch.

The batch here has two steps: QUEUE_ABOVE is lowered to 1 so that it counts as long (the rule is the
same at 60). One test renders for real; the others never reach the renderer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pypdf
import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import witness
from atmp.manufacturing.models import BatchPdf, PdfState
from atmp.manufacturing.printed import newest_seq
from atmp.manufacturing.services import batch_pdfs
from atmp.printing import proofs
from atmp.testing import PASSWORD, ApiClient, make_site, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tmp_path, monkeypatch):
    """ATMP_HOME of this test: the prepared PDFs are written under it."""
    monkeypatch.setenv("ATMP_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def long(monkeypatch, home):
    """Every batch of more than one step or entry is long (the batch of these tests has two steps)."""
    monkeypatch.setattr(batch_pdfs, "QUEUE_ABOVE", 1)


@pytest.fixture
def elsewhere(db):
    """Fay, an inspector of another site only."""
    return make_user("inspector", username="faraway", password=PASSWORD, site=make_site())


def _page(client, batch) -> str:
    return client.get(f"/manufacturing/batches/{batch.pk}/").content.decode()


def test_a_short_batch_is_printed_at_once_and_a_long_one_is_queued(batch, inspector, home, monkeypatch):
    from atmp.ledger.errors import RuleViolation
    from atmp.web.tests.conftest import signed_in

    client = signed_in(inspector)
    assert batch_pdfs.record_count(batch) == 2 and not batch_pdfs.is_long(batch)
    page = _page(client, batch)
    assert f'href="/manufacturing/batches/{batch.pk}/pdf"' in page and 'data-testid="batch-pdf-ask"' not in page
    with pytest.raises(RuleViolation, match="at most 60: its PDF is made at once"):
        batch_pdfs.ask(inspector, batch)

    monkeypatch.setattr(batch_pdfs, "QUEUE_ABOVE", 1)
    page = _page(client, batch)
    assert 'data-testid="batch-pdf-ask"' in page and f'href="/manufacturing/batches/{batch.pk}/pdf"' not in page
    # A GET of the PDF link changes nothing and renders nothing: it points at the button.
    assert client.get(f"/manufacturing/batches/{batch.pk}/pdf").status_code == 302
    assert not BatchPdf.objects.exists()
    asked = client.post(f"/manufacturing/batches/{batch.pk}/pdf")
    assert asked.status_code == 302
    job = BatchPdf.objects.get()
    assert (job.batch, job.requested_by, job.state) == (batch, inspector, PdfState.QUEUED)
    page = _page(client, batch)
    assert "being prepared" in page and "asked by Ines Inspector at" in page
    assert 'data-testid="batch-pdf-ask"' not in page  # one job at a time
    # Asked again while queued: the same job, not a second one.
    client.post(f"/manufacturing/batches/{batch.pk}/pdf")
    assert BatchPdf.objects.count() == 1


def test_the_api_queues_a_long_batch_answers_its_state_and_refuses_the_pdf_until_ready(batch, inspector, long):
    api = ApiClient(token_for(inspector))
    asked = api.post(f"/manufacturing/batches/{batch.number}/pdf")
    assert asked.status_code == 202, asked.content
    job = asked.json()
    assert job["state"] == "queued" and job["requested_by"] == "ines" and job["file"] is None
    assert api.post(f"/manufacturing/batches/{batch.number}/pdf").json()["id"] == job["id"]
    status = api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job['id']}")
    assert status.status_code == 200 and status.json()["state"] == "queued"
    assert [j["id"] for j in api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs").json()] == [job["id"]]
    not_ready = api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job['id']}/file")
    assert not_ready.status_code == 422 and "being prepared, not ready" in not_ready.json()["detail"]
    whole = api.get(f"/manufacturing/batches/{batch.number}/pdf")
    assert whole.status_code == 422 and "ask for its PDF with POST" in whole.json()["detail"]
    assert api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job['id'] + 1}").status_code == 404
    bad = api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/0")
    assert bad.status_code == 400 and "job_id" in json.dumps(bad.json())


def test_the_tick_renders_the_queued_pdf_which_the_page_and_the_api_serve_until_the_record_changes(
    batch, inspector, long, home, floor, steps, elsewhere
):
    from atmp.manufacturing.services.batch_steps import start_step
    from atmp.web.tests.conftest import signed_in

    job, new = batch_pdfs.ask(inspector, batch)
    assert new
    report = witness.tick()
    assert report.tasks["manufacturing.batch_pdfs"] == {"made": [job.pk], "failed": [], "interrupted": 0, "queued": 0}
    job.refresh_from_db()
    assert job.state == PdfState.READY and job.error == "" and job.started_at and job.finished_at
    data = (home / "prints" / job.file).read_bytes()
    assert job.sha256 == hashlib.sha256(data).hexdigest() and job.size == len(data)
    assert (job.batch_version, job.last_seq) == (batch.version, newest_seq(batch))
    manifest = json.loads(pypdf.PdfReader(io.BytesIO(data)).attachments[proofs.MANIFEST][0])
    assert manifest["checkpoint"]["size"] == job.ledger_size and manifest["record"]["id"] == str(batch.pk)

    client, api = signed_in(inspector), ApiClient(token_for(inspector))
    page = _page(client, batch)
    assert "PDF made at" in page and f"newest ledger entry #{job.last_seq}" in page and "older than" not in page
    assert 'data-testid="batch-pdf-ask"' not in page  # up to date: nothing to make
    served = client.get(f"/manufacturing/batches/{batch.pk}/pdf/{job.pk}")
    assert served.status_code == 200 and served.content == data
    assert f"batch-{batch.number}-v{batch.version}-pdf-{job.pk}.pdf" in served["Content-Disposition"]
    status = api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job.pk}").json()
    assert status["state"] == "ready" and status["stale"] is False and status["sha256"] == job.sha256
    assert api.get(status["file"].removeprefix("/api/v1")).content == data
    assert api.get(f"/manufacturing/batches/{batch.number}/pdf").content == data
    # Up to date: asking again gives this one.
    assert batch_pdfs.ask(inspector, batch) == (job, False)

    # A user of another site gets nothing, as for the batch itself.
    away, away_api = signed_in(elsewhere), ApiClient(token_for(elsewhere))
    assert away.get(f"/manufacturing/batches/{batch.pk}/pdf/{job.pk}").status_code == 404
    assert away.post(f"/manufacturing/batches/{batch.pk}/pdf").status_code == 404
    for path in ("pdf-jobs", f"pdf-jobs/{job.pk}", f"pdf-jobs/{job.pk}/file"):
        assert away_api.get(f"/manufacturing/batches/{batch.number}/{path}").status_code == 404, path
    assert away_api.post(f"/manufacturing/batches/{batch.number}/pdf").status_code == 404

    # The record changes (a step starts): the copy is older than the record, and a new one may be asked for.
    start_step(actor=floor["operator"], step=steps[0], room=floor["room"], equipment=[floor["bsc"]])
    page = _page(client, batch)
    assert "this copy is older than the record" in page and "Make a new PDF" in page
    assert api.get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job.pk}").json()["stale"] is True
    assert api.get(f"/manufacturing/batches/{batch.number}/pdf").status_code == 422
    again = api.post(f"/manufacturing/batches/{batch.number}/pdf").json()
    assert again["id"] != job.pk and again["state"] == "queued"


def test_a_failure_is_recorded_with_its_reason_and_shown_without_a_traceback(batch, inspector, long, home):
    from atmp.web.tests.conftest import signed_in

    (home / "prints").write_text("not a folder")  # the home cannot hold the file
    job, _ = batch_pdfs.ask(inspector, batch)
    summary = batch_pdfs.run_queued(dt.datetime.now(dt.UTC))
    assert summary == {"made": [], "failed": [job.pk], "interrupted": 0, "queued": 0}
    job.refresh_from_db()
    assert job.state == PdfState.FAILED and job.error.startswith("File exists") and str(home) in job.error
    page = _page(signed_in(inspector), batch)
    assert "The PDF could not be made" in page and "File exists" in page and "Traceback" not in page
    assert 'data-testid="batch-pdf-ask"' in page  # it may be asked for again
    api = ApiClient(token_for(inspector)).get(f"/manufacturing/batches/{batch.number}/pdf-jobs/{job.pk}").json()
    assert api["state"] == "failed" and api["error"] == job.error


def test_a_requester_who_may_no_longer_see_the_batch_gets_a_failed_job(batch, long, elsewhere):
    job = BatchPdf.objects.create(batch=batch, requested_by=elsewhere, requested_at=dt.datetime.now(dt.UTC))
    done = batch_pdfs.run(job)
    assert done.state == PdfState.FAILED and done.error == f"faraway may no longer see batch {batch.number}"


def test_a_job_left_running_is_failed_as_interrupted_and_a_claimed_job_is_not_run_twice(batch, inspector, long):
    now = dt.datetime.now(dt.UTC)
    stuck, _ = batch_pdfs.ask(inspector, batch)
    BatchPdf.objects.filter(pk=stuck.pk).update(state=PdfState.RUNNING, started_at=now - dt.timedelta(hours=2))
    assert batch_pdfs.run(stuck).state == PdfState.RUNNING  # another process holds it: left alone
    assert batch_pdfs.run_queued(now)["interrupted"] == 1
    stuck.refresh_from_db()
    assert stuck.state == PdfState.FAILED and stuck.error.startswith("interrupted")


def test_the_command_line_queues_lists_and_refuses_bad_input(batch, inspector, long):
    runner = CliRunner()
    queued = runner.invoke(main, ["manufacturing", "batch", "pdf", batch.number, "--queue", "--as", "ines", "--json"])
    assert queued.exit_code == 0, queued.output
    job = json.loads(queued.stdout)
    assert job["state"] == "queued" and job["new"] is True
    listed = runner.invoke(main, ["manufacturing", "batch", "pdf-queue", "--as", "ines"])
    assert listed.exit_code == 0 and f"job {job['id']}  batch {batch.number}  queued  asked by ines" in listed.stdout
    nothing = runner.invoke(main, ["manufacturing", "batch", "pdf", batch.number, "--as", "ines"])
    assert nothing.exit_code == 2 and "--out: is required" in nothing.stderr and "Traceback" not in nothing.output
    unknown = runner.invoke(main, ["manufacturing", "batch", "pdf-queue", "--batch", "NO-SUCH", "--as", "ines"])
    assert unknown.exit_code == 2 and "--batch: there is no batch 'NO-SUCH'" in unknown.stderr
    copy = runner.invoke(
        main, ["manufacturing", "batch", "pdf-queue", "--copy", str(job["id"]), "x.pdf", "--as", "ines"]
    )
    assert copy.exit_code == 2 and "--copy: PDF job" in copy.stderr and "is being prepared, not ready" in copy.stderr
    helped = runner.invoke(main, ["manufacturing", "batch", "pdf-queue", "--help"])
    assert "atmp tick" in helped.output and "--run" in helped.output
