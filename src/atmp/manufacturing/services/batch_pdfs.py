"""A batch record's PDF/A, made at once for a short batch and off the request for a long one (ADR 0031).

A batch of at most QUEUE_ABOVE steps and entries is printed in the request, as before: the demo's
11-step batches are. A longer one is asked for (`ask`): a BatchPdf row is queued, and the periodic
task `manufacturing.batch_pdfs` (`atmp tick`, or the server's ticker) renders one per tick as the
user who asked, writes the file under ATMP_HOME/prints and records what it shows. Nothing here
writes GMP data: the row and the file are operational, the PDF carries its own proofs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from atmp import config
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing.models import Batch, BatchEntry, BatchPdf, BatchStep, PdfState

log = logging.getLogger("atmp.printing")

# Steps and entries (voided ones too, as the PDF prints them) above which the PDF is made off the
# request. The demo's 11-step batches hold 21 to 36 and print in 6 to 8 s of CPU; rendering grows
# with the record (a 300-step batch, 911 records: minutes). docs/manufacturing.md, ADR 0031.
QUEUE_ABOVE = 60
# Jobs rendered per tick: one, so that a tick (which signs the checkpoint after its tasks) is held
# up by one render at most; a queue of several drains one a tick, or at once with
# `atmp manufacturing batch pdf-queue --run`.
PER_TICK = 1
# A job still "running" after this long was interrupted (the process stopped mid-render): failed.
INTERRUPTED_AFTER = dt.timedelta(hours=1)
PRINTS_DIR = "prints"
PENDING = (PdfState.QUEUED, PdfState.RUNNING)


def record_count(batch: Batch) -> int:
    """Return how many steps and entries the batch record holds, voided ones too (what its PDF prints)."""
    steps = BatchStep._base_manager.filter(batch=batch).count()
    return steps + BatchEntry._base_manager.filter(step__batch=batch).count()


def is_long(batch: Batch) -> bool:
    """Return True when the batch's PDF is made off the request (more than QUEUE_ABOVE steps and entries)."""
    return record_count(batch) > QUEUE_ABOVE


def prints_dir() -> Path:
    """Return the folder the prepared PDFs are written to (ATMP_HOME/prints)."""
    return config.home() / PRINTS_DIR


def path_of(job: BatchPdf) -> Path:
    """Return the file of a made PDF."""
    return prints_dir() / job.file


def file_name(job: BatchPdf) -> str:
    """Return the name a prepared PDF is downloaded as: the batch's number and version, and the job."""
    return f"batch-{job.batch.number}-v{job.batch_version}-pdf-{job.pk}.pdf"


def latest(batch: Batch) -> BatchPdf | None:
    """Return the batch's latest PDF job, whatever its state."""
    return BatchPdf.objects.filter(batch=batch).select_related("requested_by").order_by("-requested_at", "-pk").first()


def jobs(batch: Batch) -> list[BatchPdf]:
    """Return every PDF job of the batch, newest first."""
    return list(BatchPdf.objects.filter(batch=batch).select_related("requested_by").order_by("-requested_at", "-pk"))


def is_stale(job: BatchPdf, newest: int | None = None) -> bool:
    """Return True when the batch or one of its parts has an entry newer than the ones the ready PDF shows."""
    from atmp.manufacturing.printed import newest_seq

    if job.state != PdfState.READY:
        return False
    newest = newest_seq(job.batch) if newest is None else newest
    return newest is not None and (job.last_seq is None or newest > job.last_seq)


def is_current(job: BatchPdf, newest: int | None = None) -> bool:
    """Return True when the job's PDF is ready, its file is there, and no entry has made it older than the record."""
    return job.state == PdfState.READY and path_of(job).is_file() and not is_stale(job, newest)


def ready_file(job: BatchPdf) -> Path:
    """Return the file of a made PDF, or refuse naming why it cannot be had (not ready, or its file gone)."""
    if job.state != PdfState.READY:
        raise RuleViolation(f"PDF job {job.pk} is {job.get_state_display()}, not ready")
    path = path_of(job)
    if not path.is_file():
        raise RuleViolation(f"the file of PDF job {job.pk} is no longer on the server: ask for a new one")
    return path


def ask(user: User, batch: Batch, *, now: dt.datetime | None = None) -> tuple[BatchPdf, bool]:
    """Queue the batch's PDF for the next tick; return the job and whether it is new.

    A job already queued or running is returned rather than a second one, and so is a ready PDF that
    no entry has made older. A short batch is refused: it is printed in the request.
    """
    if not is_long(batch):
        raise RuleViolation(
            f"batch {batch.number} holds {record_count(batch)} steps and entries, at most {QUEUE_ABOVE}: "
            "its PDF is made at once, not queued"
        )
    found = latest(batch)
    if found is not None and (found.state in PENDING or is_current(found)):
        return found, False
    job = BatchPdf.objects.create(batch=batch, requested_by=user, requested_at=now or clock.now())
    log.info("batch %s: PDF asked for by %s (job %s)", batch.number, user.username, job.pk)
    return job, True


def run(job: BatchPdf, *, now: dt.datetime | None = None) -> BatchPdf:
    """Render a queued job as the user who asked, write its file and record what it shows, or why it failed.

    Claimed by one conditional update, so that the cron's tick and the server's ticker never render
    the same job twice.
    """
    started = now or clock.now()
    if (
        BatchPdf.objects.filter(pk=job.pk, state=PdfState.QUEUED).update(state=PdfState.RUNNING, started_at=started)
        != 1
    ):
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        _render(job)
    except Exception as exc:  # any failure is the job's, in words; the traceback goes to the log only
        log.exception("batch PDF job %s failed", job.pk)
        job.state, job.error = PdfState.FAILED, _reason(exc)
    else:
        job.state = PdfState.READY
    job.finished_at = clock.now()
    job.save()
    return job


def _render(job: BatchPdf) -> None:
    from atmp.manufacturing.printed import render_batch

    user, batch = job.requested_by, Batch.objects.select_related("site", "product").get(pk=job.batch_id)
    if not user.is_active or not can_see(user, batch):
        raise RuleViolation(f"{user.username} may no longer see batch {batch.number}")
    folder = prints_dir()
    # The folder first: a home that cannot hold the file fails at once, not after minutes of rendering.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    printed = render_batch(user, batch)
    name = f"batch-{batch.pk}-pdf-{job.pk}.pdf"
    part = folder / (name + ".part")
    part.write_bytes(printed.data)
    os.replace(part, folder / name)  # a reader never sees half a file
    job.file, job.size = name, len(printed.data)
    job.sha256 = hashlib.sha256(printed.data).hexdigest()
    job.batch_version, job.last_seq, job.ledger_size = batch.version, printed.last_seq, printed.ledger_size


def _reason(exc: BaseException) -> str:
    """Return a failure in words for the page: the error's message, with its kind when it has none."""
    text = str(exc).strip()
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return (text or type(exc).__name__)[:500]


def run_queued(now: dt.datetime, *, limit: int | None = PER_TICK) -> dict[str, Any]:
    """Render the oldest queued jobs (PER_TICK of them from `atmp tick`; limit None: all); return a summary."""
    interrupted = BatchPdf.objects.filter(state=PdfState.RUNNING, started_at__lt=now - INTERRUPTED_AFTER).update(
        state=PdfState.FAILED,
        finished_at=now,
        error="interrupted: the process rendering it stopped before it finished; ask for it again",
    )
    made: list[int] = []
    failed: list[int] = []
    while limit is None or len(made) + len(failed) < limit:
        job = BatchPdf.objects.filter(state=PdfState.QUEUED).order_by("requested_at", "pk").first()
        if job is None:
            break
        done = run(job, now=now)
        (made if done.state == PdfState.READY else failed).append(done.pk)
    left = BatchPdf.objects.filter(state=PdfState.QUEUED).count()
    return {"made": made, "failed": failed, "interrupted": interrupted, "queued": left}


def documents(jobs: list[BatchPdf]) -> list[dict[str, Any]]:
    """Return the jobs as `document` does, the newest entry of each batch read once, not once per job."""
    from atmp.manufacturing.printed import newest_seq

    newest: dict[int, int | None] = {}
    for job in jobs:
        if job.state == PdfState.READY and job.batch_id not in newest:
            newest[job.batch_id] = newest_seq(job.batch)
    return [document(job, newest=newest.get(job.batch_id)) for job in jobs]


def document(job: BatchPdf, *, newest: int | None = None) -> dict[str, Any]:
    """Return a job as the API and the command line show it: who asked when, its state, and what the file shows."""
    ready = job.state == PdfState.READY
    return {
        "id": job.pk,
        "batch": job.batch.number,
        "state": job.state,
        "requested_by": job.requested_by.username,
        "requested_by_name": job.requested_by.full_name,
        "requested_at": job.requested_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error or None,
        "batch_version": job.batch_version,
        "last_seq": job.last_seq,
        "ledger_size": job.ledger_size,
        "bytes": job.size,
        "sha256": job.sha256 or None,
        "stale": is_stale(job, newest) if ready else None,
        "file_present": path_of(job).is_file() if ready else None,
    }
