"""`atmp manufacturing batch …`: create a batch, execute its steps (start, values, scans, complete),
correct and verify entries, complete execution, list its exceptions for review, and print its record (PDF/A)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing
from atmp.trace.cli.common import REASON, actor, reader, write
from atmp.trace.units import display

NOTE = click.option("--note", default="", help="What was done or found.")
OBSERVED = click.option("--observed-at", default=None, help="When it was observed, ISO 8601 (default: now).")


def _step(number: str, step: int, user: Any) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.manufacturing.services.batches import find_batch

    batch = find_batch(number, user=user)
    found = batch.steps.filter(number=step, voided=False).select_related("mbr_step", "batch").first()
    if found is None:
        raise InvalidInput("step", f"batch {batch.number} has no step {step}")
    return found


def _row(step: Any, related: str, position: int) -> Any:
    from atmp.accounts.errors import InvalidInput

    row = getattr(step.mbr_step, related).filter(position=position, voided=False).first()
    if row is None:
        raise InvalidInput("position", f"step {step.number} has no {related[:-1]} at position {position}")
    return row


def _entry_text(d: dict[str, Any]) -> str:
    flags = [d["flag"]] if d["flag"] != "ok" else []
    flags += ["late"] if d["late"] else []
    flags += [f"deviation {d['deviation']}"] if d["deviation"] else []
    value = f"entry {d['id']}: {d['name']} {d['value']} {display(d['unit'] or '')}"
    return value + (f" ({', '.join(flags)})" if flags else "")


def _batch_text(d: dict[str, Any]) -> str:
    lines = [f"batch {d['number']} of {d['product']} at {d['site']}: {d['status']}, output lot {d['output_lot']}"]
    for s in d["steps"]:
        lines.append(f"  step {s['number']} {s['title']}: {s['progress']}")
        lines.extend(f"    {_entry_text(e)}" for e in s["entries"] or [])
    return "\n".join(lines)


@manufacturing.group("batch")
def batch() -> None:
    """Batch execution: steps in order, entries as they happen, scans, verification, review by exception.

    \b
    Examples:
      atmp manufacturing batch create --mbr 3 --output-lot DP-0042 --patient P-0007 --as olga
      atmp manufacturing batch start AAV-001-2026-0001 10 --room 4 --equipment BSC-01 --as olga
      atmp manufacturing batch param AAV-001-2026-0001 10 1 37.2 --as olga
      atmp manufacturing batch add AAV-001-2026-0001 10 1 --lot MED-0042 --quantity 500 --as olga
      atmp manufacturing batch verify 17 --as oscar
      atmp manufacturing batch exceptions AAV-001-2026-0001 --as rita --json
      atmp manufacturing batch pdf AAV-001-2026-0001 --out batch.pdf --as rita
    """


@batch.command("create")
@click.option("--mbr", "mbr_id", type=int, required=True, help="The effective master batch record's id.")
@click.option("--output-lot", required=True, help="The quarantined lot the batch makes.")
@click.option("--patient", default=None, help="The patient's COI (autologous products only).")
@NOTE
@REASON
@write
@handled
def create(mbr_id: int, output_lot: str, patient: str | None, note: str, reason: str, **auth: Any) -> None:
    """Create a batch of the effective master record, numbered at once (exit 2 naming the rule when refused)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import batch_document
    from atmp.manufacturing.services.batches import create_batch
    from atmp.manufacturing.services.mbr import find_mbr
    from atmp.trace.services.lots import find_lot
    from atmp.trace.services.persons import find_person

    user = actor(auth)
    made = create_batch(
        actor=user,
        mbr=find_mbr(mbr_id, user=user),
        output_lot=find_lot(output_lot, field="output_lot", user=user),
        patient=find_person(patient, field="patient", user=user) if patient else None,
        note=note,
        reason=reason,
    )
    emit(batch_document(made), as_json=auth["as_json"], text=lambda d: f"batch {d['number']} created")


@batch.command("show")
@click.argument("number")
@as_option
@json_option
@handled
def show(number: str, username: str, as_json: bool) -> None:
    """Show a batch with its steps and every entry (superseded ones too)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import batch_document
    from atmp.manufacturing.services.batches import find_batch

    emit(batch_document(find_batch(number, user=reader(username)), entries=True), as_json=as_json, text=_batch_text)


@batch.command("exceptions")
@click.argument("number")
@as_option
@json_option
@handled
def exceptions_(number: str, username: str, as_json: bool) -> None:
    """List the batch's exceptions for QA's review (nothing listed: it went as instructed)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import exception_document
    from atmp.manufacturing.selectors.batches import exceptions
    from atmp.manufacturing.services.batches import find_batch

    rows = [exception_document(x) for x in exceptions(find_batch(number, user=reader(username)))]
    emit(rows, as_json=as_json, text=lambda d: "\n".join(f"{x['at']}  {x['kind']}: {x['text']}" for x in d) or "none")


@batch.command("pdf")
@click.argument("number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The PDF file to write.")
@click.option(
    "--queue",
    is_flag=True,
    help="Queue it for `atmp tick` instead (a long batch only), as the page does; see `batch pdf-queue`.",
)
@as_option
@json_option
@handled
def pdf(number: str, out: Path | None, queue: bool, username: str, as_json: bool) -> None:
    """Write the batch record as PDF/A-3b: every step, entry and signature, with their proofs embedded.

    The same file as the batch page's PDF; check it offline with
    `python contrib/atmp_verify.py pdf FILE.pdf --vkey VKEY`. The command line waits for it whatever
    the batch's length (a 300-step batch takes minutes); the page and the API queue a long one
    (more than 60 steps and entries) for `atmp tick`, and --queue does the same here.

    \b
    Examples:
      atmp manufacturing batch pdf AAV-001-2026-0001 --out batch.pdf --as rita
      atmp manufacturing batch pdf AAV-001-2026-0042 --queue --as rita
    """
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.manufacturing.printed import batch_pdf
    from atmp.manufacturing.services import batch_pdfs
    from atmp.manufacturing.services.batches import find_batch

    if queue and out is not None:
        raise InvalidInput("--out", "give either --out FILE (write it now) or --queue (prepare it later), not both")
    if not queue and out is None:
        raise InvalidInput("--out", "is required: the PDF file to write (or --queue to prepare it later)")
    user = reader(username)
    found = find_batch(number, user=user)
    if queue:
        job, new = batch_pdfs.ask(user, found)
        emit(batch_pdfs.document(job) | {"new": new}, as_json=as_json, text=_job_line)
        return
    assert out is not None
    data = batch_pdf(user, found)
    out.write_bytes(data)
    summary = {"batch": found.number, "version": found.version, "file": str(out), "bytes": len(data)}
    emit(
        summary,
        as_json=as_json,
        text=lambda d: f"batch {d['batch']} v{d['version']} written to {d['file']} ({d['bytes']:,} bytes)",
    )


def _job_line(d: dict[str, Any]) -> str:
    """Return a PDF job as one line: its id, batch, state, who asked when, and its file or failure."""
    asked = f"asked by {d['requested_by']} at {d['requested_at']:%Y-%m-%d %H:%M:%S}"
    line = f"job {d['id']}  batch {d['batch']}  {d['state']}  {asked}"
    if d["error"]:
        line += f"  failed: {d['error']}"
    if d["state"] == "ready":
        stale = "  OLDER THAN THE RECORD" if d["stale"] else ""
        line += f"  made {d['finished_at']:%Y-%m-%d %H:%M:%S}: v{d['batch_version']}, entry #{d['last_seq']}{stale}"
    return line


@batch.command("pdf-queue")
@click.option("--batch", "number", default=None, help="Only this batch's requests.")
@click.option("--run", "run_now", is_flag=True, help="Render every queued PDF now, oldest first, before listing.")
@click.option(
    "--copy",
    "copy_to",
    type=(int, click.Path(dir_okay=False, path_type=Path)),
    default=None,
    metavar="JOB FILE",
    help="Copy a ready PDF to FILE.",
)
@as_option
@json_option
@handled
def pdf_queue(
    number: str | None, run_now: bool, copy_to: tuple[int, Path] | None, username: str, as_json: bool
) -> None:
    """List the requests for long batch records' PDFs (who asked when, state, failures), newest first.

    `atmp tick` renders one queued PDF per run (and `atmp serve` every ATMP_TICK_SECONDS); --run
    renders all of them now, in this process, and waits. Only the batches of your sites are listed.

    \b
    Examples:
      atmp manufacturing batch pdf-queue --as rita
      atmp manufacturing batch pdf-queue --run --as rita
      atmp manufacturing batch pdf-queue --copy 12 batch.pdf --as rita
    """
    setup_django()
    import shutil

    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.visibility import visible_records
    from atmp.ledger import clock
    from atmp.ledger.errors import RuleViolation
    from atmp.manufacturing.models import Batch, BatchPdf
    from atmp.manufacturing.services import batch_pdfs
    from atmp.manufacturing.services.batches import find_batch

    user = reader(username)
    if run_now:
        batch_pdfs.run_queued(clock.now(), limit=None)
    # Only the jobs of batches the user sees, chosen by the database before the newest 200 are taken.
    rows = BatchPdf.objects.filter(batch__in=visible_records(user, Batch.objects.all())).select_related(
        "batch", "requested_by"
    )
    rows = rows.order_by("-requested_at", "-pk")
    if number is not None:
        rows = rows.filter(batch=find_batch(number, user=user, field="--batch"))
    if copy_to is not None:
        job_id, target = copy_to
        job = rows.filter(pk=job_id).first()
        if job is None:
            raise InvalidInput("--copy", f"there is no PDF job {job_id}")
        try:
            shutil.copyfile(batch_pdfs.ready_file(job), target)
        except RuleViolation as exc:
            raise InvalidInput("--copy", str(exc)) from None
    shown = batch_pdfs.documents(list(rows[:200]))
    emit(shown, as_json=as_json, text=lambda d: "\n".join(_job_line(x) for x in d) or "no PDF requests")


@batch.command("start")
@click.argument("number")
@click.argument("step", type=int)
@click.option("--room", "room_id", type=int, default=None, help="The room's id.")
@click.option("--equipment", "codes", multiple=True, help="A code of equipment used (repeat for each).")
@REASON
@write
@handled
def start(number: str, step: int, room_id: int | None, codes: tuple[str, ...], reason: str, **auth: Any) -> None:
    """Start a step (exit 2 naming the rule: order, training, room, equipment)."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.services import can_see
    from atmp.environment.models import Room
    from atmp.manufacturing.selectors.batch_documents import step_document
    from atmp.manufacturing.services.batch_steps import start_step
    from atmp.manufacturing.services.equipment import find_equipment

    user = actor(auth)
    room = None
    if room_id is not None:
        room = Room.objects.filter(pk=room_id, voided=False).first()
        if room is None or not can_see(user, room):
            raise InvalidInput("room", f"there is no room {room_id}")
    equipment = [find_equipment(code, user=user) for code in codes]
    done = start_step(actor=user, step=_step(number, step, user), room=room, equipment=equipment, reason=reason)
    emit(step_document(done), as_json=auth["as_json"], text=lambda d: f"step {d['number']}: {d['progress']}")


@batch.command("complete-step")
@click.argument("number")
@click.argument("step", type=int)
@REASON
@write
@handled
def complete_step_(number: str, step: int, reason: str, **auth: Any) -> None:
    """Complete a step (exit 2 naming what is missing)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import step_document
    from atmp.manufacturing.services.batch_steps import complete_step

    user = actor(auth)
    done = complete_step(actor=user, step=_step(number, step, user), reason=reason)
    emit(step_document(done), as_json=auth["as_json"], text=lambda d: f"step {d['number']}: {d['progress']}")


def _value_command(kind: str) -> Any:
    related = "parameters" if kind == "param" else "controls"

    # click reads the help when the command is made: a __doc__ set afterwards never reached `--help`.
    @batch.command(
        kind,
        help="Record a process parameter's value (a warning outside NOR; a deviation outside PAR)."
        if kind == "param"
        else "Record an in-process control's result (a deviation outside its limits, which are inclusive).",
    )
    @click.argument("number")
    @click.argument("step", type=int)
    @click.argument("position", type=int)
    @click.argument("value")
    @click.option("--unit", default=None, help="The unit the value is in (default: the master record's).")
    @click.option("--convert", is_flag=True, help="Convert a value in another unit of the dimension, explicitly.")
    @click.option("--acknowledge", is_flag=True, help="Acknowledge a warning (a value outside NOR).")
    @OBSERVED
    @NOTE
    @REASON
    @write
    @handled
    def command(
        number: str,
        step: int,
        position: int,
        value: str,
        unit: str | None,
        convert: bool,
        acknowledge: bool,
        observed_at: str | None,
        note: str,
        reason: str,
        **auth: Any,
    ) -> None:
        setup_django()
        from atmp.manufacturing.selectors.batch_documents import entry_document
        from atmp.manufacturing.services import batch_entries

        user = actor(auth)
        found = _step(number, step, user)
        row = _row(found, related, position)
        if kind == "param":
            made = batch_entries.record_parameter(
                actor=user, step=found, parameter=row, value=value, unit=unit, convert=convert,
                acknowledged=acknowledge, observed_at=observed_at, note=note, reason=reason,
            )  # fmt: skip
        else:
            made = batch_entries.record_control(
                actor=user, step=found, control=row, value=value, unit=unit, convert=convert,
                observed_at=observed_at, note=note, reason=reason,
            )  # fmt: skip
        emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)

    return command


_value_command("param")
_value_command("control")


@batch.command("capture")
@click.argument("number")
@click.argument("step", type=int)
@click.argument("position", type=int)
@click.option("--equipment", "equipment_code", required=True, help="Equipment of the step with an OPC UA endpoint.")
@click.option("--node", required=True, help="The node id, e.g. ns=2;s=Bioreactor.Temperature.")
@click.option("--unit", default=None, help="The node's unit when it reports none (must match when it does).")
@click.option("--convert", is_flag=True, help="Convert a value in another unit of the dimension, explicitly.")
@click.option("--acknowledge", is_flag=True, help="Acknowledge a warning (a value outside NOR).")
@NOTE
@REASON
@write
@handled
def capture(
    number: str,
    step: int,
    position: int,
    equipment_code: str,
    node: str,
    unit: str | None,
    convert: bool,
    acknowledge: bool,
    note: str,
    reason: str,
    **auth: Any,
) -> None:
    """Record a parameter's value read over OPC UA from the step's equipment, with its source and time.

    \b
    Example:
      atmp manufacturing batch capture AAV9-SMN-2026-0001 30 1 --equipment BR-01 \\
          --node "ns=2;s=Bioreactor.Temperature" --as olga
    """
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import entry_document
    from atmp.manufacturing.services.batch_capture import capture_parameter
    from atmp.manufacturing.services.equipment import find_equipment

    user = actor(auth)
    found = _step(number, step, user)
    made = capture_parameter(
        actor=user, step=found, parameter=_row(found, "parameters", position),
        equipment=find_equipment(equipment_code, user=user), node=node, unit=unit, convert=convert,
        acknowledged=acknowledge, note=note, reason=reason,
    )  # fmt: skip
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@batch.command("add")
@click.argument("number")
@click.argument("step", type=int)
@click.argument("position", type=int)
@click.option("--lot", required=True, help="The scanned lot number.")
@click.option("--quantity", required=True, help="The quantity added.")
@click.option("--unit", default=None, help="Its unit (default: the bill-of-materials line's).")
@OBSERVED
@NOTE
@REASON
@write
@handled
def add(
    number: str,
    step: int,
    position: int,
    lot: str,
    quantity: str,
    unit: str | None,
    observed_at: str | None,
    note: str,
    reason: str,
    **auth: Any,
) -> None:
    """Add a scanned lot for a bill-of-materials line (exit 2: lot status, material, mix-up, tolerance)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import entry_document
    from atmp.manufacturing.services.batch_materials import add_material

    user = actor(auth)
    found = _step(number, step, user)
    made = add_material(
        actor=user,
        step=found,
        line=_row(found, "materials", position),
        lot=lot,
        quantity=quantity,
        unit=unit,
        observed_at=observed_at,
        note=note,
        reason=reason,
    )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@batch.command("correct")
@click.argument("entry_id")
@click.argument("value")
@click.option("--unit", default=None, help="The unit the value is in (default: the master record's).")
@click.option("--convert", is_flag=True, help="Convert a value in another unit of the dimension, explicitly.")
@click.option("--acknowledge", is_flag=True, help="Acknowledge a warning (a value outside NOR).")
@click.option("--reason", required=True, help="Why the entry is corrected (kept with it).")
@write
@handled
def correct(
    entry_id: str, value: str, unit: str | None, convert: bool, acknowledge: bool, reason: str, **auth: Any
) -> None:
    """Correct an entry with a new one that supersedes it (the original stays visible)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import entry_document
    from atmp.manufacturing.services.batch_entries import correct_entry, find_entry

    user = actor(auth)
    made = correct_entry(
        actor=user,
        entry=find_entry(entry_id, user=user),
        value=value,
        unit=unit,
        convert=convert,
        acknowledged=acknowledge,
        reason=reason,
    )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@batch.command("correct-material")
@click.argument("entry_id")
@click.option("--lot", required=True, help="The lot number that was added (scan it).")
@click.option("--quantity", required=True, help="The quantity that was added.")
@click.option("--unit", default=None, help="Its unit (default: the bill-of-materials line's).")
@click.option("--reason", required=True, help="Why the addition is corrected (kept with it).")
@write
@handled
def correct_material_(entry_id: str, lot: str, quantity: str, unit: str | None, reason: str, **auth: Any) -> None:
    """Correct a material addition: its use voided in the genealogy and the right lot and quantity added.

    \b
    Example:
      atmp manufacturing batch correct-material 17 --lot MED-0043 --quantity 500 --reason "wrong bottle" --as olga
    """
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import entry_document
    from atmp.manufacturing.services.batch_entries import find_entry
    from atmp.manufacturing.services.batch_materials import correct_material

    user = actor(auth)
    made = correct_material(
        actor=user, entry=find_entry(entry_id, user=user), lot=lot, quantity=quantity, unit=unit, reason=reason
    )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@batch.command("verify")
@click.argument("entry_id")
@as_option
@otp_option
@PASSWORD_FILE
@json_option
@handled
def verify(entry_id: str, username: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Verify an entry as the second person, with your signature 'verified' (never your own entry)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import entry_document
    from atmp.manufacturing.services.batch_entries import find_entry, verify_entry

    user, password = user_and_password(username, password_file)
    entry = find_entry(entry_id, user=user)
    verify_entry(actor=user, entry=entry, password=password, otp=otp)
    emit(entry_document(entry), as_json=as_json, text=lambda d: f"entry {d['id']} verified")


@batch.command("complete")
@click.argument("number")
@REASON
@write
@handled
def complete(number: str, reason: str, **auth: Any) -> None:
    """Complete execution once every step is done (exit 2 naming the step that is not)."""
    setup_django()
    from atmp.manufacturing.selectors.batch_documents import batch_document
    from atmp.manufacturing.services.batches import complete_batch, find_batch

    user = actor(auth)
    done = complete_batch(actor=user, batch=find_batch(number, user=user), reason=reason)
    emit(batch_document(done), as_json=auth["as_json"], text=lambda d: f"batch {d['number']}: {d['status']}")
