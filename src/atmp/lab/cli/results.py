"""`atmp lab sample …`, `atmp lab result …`, `atmp lab oos …`: samples, results and OOS investigations.

OOS transitions are the workflow's: `atmp workflow do lab.oosinvestigation:ID escalate|invalidate|confirm`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.trace.cli.common import REASON, actor, reader, write

AUTH = ("username", "password_file", "otp", "as_json")


def _sample_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['number']} {d['purpose']} sample of batch {d['batch'] or '-'} / lot {d['lot'] or '-'} at {d['site']}: "
        f"{d['quantity']} {d['unit']}, {d['status']}, at {d['location'] or '-'}",
    ]
    lines += [f"  custody: {c['from']} -> {c['to']} at {c['location']} ({c['at']})" for c in d["custody"]]
    lines += [f"  {_result_line(r)}" for r in d["results"]]
    return "\n".join(lines)


def _result_line(r: dict[str, Any]) -> str:
    verdict = {True: "conforms", False: "DOES NOT CONFORM", None: "reported"}[r["conforms"]]
    review = f"reviewed by {', '.join(r['reviewed_by'])}" if r["reviewed_by"] else "not reviewed"
    oos = f"; {', '.join(r['oos'])}" if r["oos"] else ""
    return (
        f"result {r['id']}: {r['attribute']} {r['reported']} {r['attribute_unit']} ({r['criterion']}): {verdict}; "
        f"entered {r['value_entered']} {r['unit']} by {r['analyst']}; {review}{oos}"
    )


def _oos_text(d: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{d['number']} {d['title']}: {d['state']}" + (f", {d['conclusion']}" if d["conclusion"] else ""),
            f"  phase I: {d['phase_1_finding'] or '-'}",
            f"  phase II: {d['phase_2_finding'] or '-'}",
        ]
    )


@lab.group("sample")
def sample() -> None:
    """Samples (release, in-process, stability, EM follow-up) and their custody in the lab.

    \b
    Examples:
      atmp lab sample add --site LEI --purpose release --batch B-001 --quantity 1 --unit mL \\
          --taken-by olga --as quinn
      atmp lab sample receive S-2026-0001 --location "QC fridge 1" --as quinn
      atmp lab sample show S-2026-0001 --json
      atmp lab sample list --json
    """


@sample.command("add")
@click.option("--site", required=True)
@click.option("--purpose", required=True, help="release, in_process, stability, em_followup or bank.")
@click.option("--batch", "batch_number", default=None, help="The batch's number.")
@click.option("--lot", "lot_number", default=None, help="The lot's number.")
@click.option("--quantity", required=True)
@click.option("--unit", required=True, help="UCUM, e.g. mL.")
@click.option("--taken-by", required=True)
@click.option("--taken-at", default=None, help="ISO 8601 (now if omitted).")
@click.option("--container", default="")
@click.option("--storage", default="")
@REASON
@write
@handled
def add(site: str, batch_number: str | None, lot_number: str | None, reason: str, **values: Any) -> None:
    """Register a sample (numbered S-YYYY-NNNN)."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.lab.selectors.results import sample_document
    from atmp.lab.services.results import add_sample
    from atmp.manufacturing.services.batches import find_batch
    from atmp.trace.services.lots import find_lot

    auth = {k: values.pop(k) for k in AUTH}
    user = actor(auth)
    made = add_sample(
        actor=user,
        site=find_site(site),
        batch=find_batch(batch_number, user=user) if batch_number else None,
        lot=find_lot(lot_number, user=user) if lot_number else None,
        reason=reason,
        **values,
    )
    emit(sample_document(made), as_json=auth["as_json"], text=_sample_text)


@sample.command("receive")
@click.argument("number")
@click.option("--location", required=True)
@REASON
@write
@handled
def receive(number: str, location: str, reason: str, **auth: Any) -> None:
    """Receive a registered sample in the lab (its first custody entry)."""
    setup_django()
    from atmp.lab.selectors.results import sample_document
    from atmp.lab.services import results as svc

    user = actor(auth)
    found = svc.find_sample(number, user=user)
    svc.receive(actor=user, sample=found, location=location, reason=reason)
    emit(sample_document(found), as_json=auth["as_json"], text=_sample_text)


@sample.command("hand-over")
@click.argument("number")
@click.option("--from", "from_person", required=True, help="Who hands it over.")
@click.option("--to", "to_person", required=True, help="Who takes it.")
@click.option("--location", required=True, help="Where it goes.")
@click.option("--at", default=None, help="ISO 8601 (now if omitted).")
@click.option("--note", default="")
@REASON
@write
@handled
def hand_over(number: str, reason: str, **values: Any) -> None:
    """Record a hand-over of a sample inside the lab (its chain of custody)."""
    setup_django()
    from atmp.lab.selectors.results import sample_document
    from atmp.lab.services import results as svc

    auth = {k: values.pop(k) for k in AUTH}
    user = actor(auth)
    found = svc.find_sample(number, user=user)
    svc.hand_over(actor=user, sample=found, reason=reason, **values)
    emit(sample_document(found), as_json=auth["as_json"], text=_sample_text)


@sample.command("show")
@click.argument("number")
@as_option
@json_option
@handled
def show_sample(number: str, username: str, as_json: bool) -> None:
    """Show a sample, its custody and the results that stand."""
    setup_django()
    from atmp.lab.selectors.results import sample_document
    from atmp.lab.services.results import find_sample

    emit(sample_document(find_sample(number, user=reader(username))), as_json=as_json, text=_sample_text)


def _list(spec: Any, username: str | None, limit: int, status: str | None, as_json: bool, line: Any) -> None:
    from atmp.lists import api_page

    raw = {"limit": str(limit), **({"status": status} if status else {})}
    page = api_page(spec, reader(username), raw)
    emit(page, as_json=as_json, text=lambda d: "\n".join(line(i) for i in d["items"]) or "none")


@sample.command("list")
@as_option
@click.option("--status", default=None)
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_samples(username: str, status: str | None, limit: int, as_json: bool) -> None:
    """List the samples of your sites, newest first."""
    setup_django()
    from atmp.lab.selectors.results import SAMPLES

    _list(SAMPLES, username, limit, status, as_json,
          lambda i: f"{i['number']}  {i['purpose']}  {i['batch']}  {i['site']}  {i['status']}")  # fmt: skip


@lab.group("result")
def result() -> None:
    """Results of samples against the batch's specification (USP 7.20 rounding), corrections, review.

    \b
    Examples:
      atmp lab result add S-2026-0001 --attribute 1 --value 2.1E13 --instrument QC-DDPCR --as quinn
      atmp lab result add S-2026-0001 --attribute "Host-cell protein" --value 12000 --unit pg/mL --convert --as quinn
      atmp lab result import results.csv --sample S-2026-0001 --as quinn
      atmp lab result correct 12 --value 2.0E13 --reason "transcription error" --as quinn
      atmp lab result review 12 --as max
      atmp lab result show 12 --json
    """


@result.command("add")
@click.argument("sample_number")
@click.option("--attribute", required=True, help="The attribute's position or name.")
@click.option("--value", required=True, help="As read: 2.1E13, <0.5, conforms …")
@click.option("--unit", default=None, help="UCUM (the attribute's unit if omitted).")
@click.option("--convert", is_flag=True, help="Convert a value in another unit of the same dimension.")
@click.option("--instrument", default=None, help="The instrument's equipment code.")
@click.option("--tested-on", default=None, help="YYYY-MM-DD (today if omitted).")
@click.option("--note", default="")
@REASON
@write
@handled
def add_result(sample_number: str, reason: str, **values: Any) -> None:
    """Enter a result (a failing one opens an OOS investigation)."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services import results as svc

    auth = {k: values.pop(k) for k in AUTH}
    user = actor(auth)
    made = svc.record_result(actor=user, sample=svc.find_sample(sample_number, user=user), reason=reason, **values)
    emit(result_document(made), as_json=auth["as_json"], text=_result_line)


@result.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sample", "sample_number", default=None, help="The sample (else a 'sample' column).")
@REASON
@write
@handled
def import_results(file: Path, sample_number: str | None, reason: str, **auth: Any) -> None:
    """Import results from CSV (columns: [sample,] attribute, value[, unit, instrument, tested_on, convert, note])."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services import results as svc

    user = actor(auth)
    target = svc.find_sample(sample_number, user=user) if sample_number else None
    with file.open("rb") as stream:
        made = svc.import_csv(actor=user, stream=stream, name=file.name, sample=target, reason=reason)
    emit({"results": [result_document(r) for r in made]}, as_json=auth["as_json"],
         text=lambda d: "\n".join(_result_line(r) for r in d["results"]))  # fmt: skip


@result.command("correct")
@click.argument("result_id")
@click.option("--value", required=True)
@click.option("--reason", required=True, help="Why the result is corrected (kept with it).")
@click.option("--unit", default=None)
@click.option("--convert", is_flag=True)
@click.option("--instrument", default=None)
@click.option("--tested-on", default=None)
@write
@handled
def correct(result_id: str, value: str, reason: str, **values: Any) -> None:
    """Record a correction or retest that supersedes a result (the original stays)."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services import results as svc

    auth = {k: values.pop(k) for k in AUTH}
    user = actor(auth)
    made = svc.correct_result(actor=user, result=svc.find_result(result_id, user=user), value=value, reason=reason,
                              **values)  # fmt: skip
    emit(result_document(made), as_json=auth["as_json"], text=_result_line)


@result.command("review")
@click.argument("result_id")
@as_option
@otp_option
@PASSWORD_FILE
@json_option
@handled
def review(result_id: str, username: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Review a result with your signature 'reviewed' (never its analyst)."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services import results as svc

    user, password = user_and_password(username, password_file)
    found = svc.find_result(result_id, user=user)
    svc.review(actor=user, result=found, password=password, otp=otp)
    emit(result_document(found), as_json=as_json, text=_result_line)


@result.command("show")
@click.argument("result_id")
@as_option
@json_option
@handled
def show_result(result_id: str, username: str, as_json: bool) -> None:
    """Show a result: as entered, parsed, judged, reviewed."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services.results import find_result

    emit(result_document(find_result(result_id, user=reader(username))), as_json=as_json, text=_result_line)


@result.command("list")
@click.argument("sample_number")
@as_option
@json_option
@handled
def list_results(sample_number: str, username: str, as_json: bool) -> None:
    """List a sample's results that stand."""
    setup_django()
    from atmp.lab.selectors.results import result_document
    from atmp.lab.services import results as svc

    found = svc.find_sample(sample_number, user=reader(username))
    rows = [result_document(r) for r in svc.live_results(found)]
    emit({"items": rows}, as_json=as_json, text=lambda d: "\n".join(_result_line(r) for r in d["items"]) or "none")


@lab.group("oos")
def oos() -> None:
    """OOS investigations (phase I laboratory, phase II full; QA closes, signed).

    \b
    Examples:
      atmp lab oos list --json
      atmp lab oos show OOS-2026-0001
      atmp lab oos finding OOS-2026-0001 --phase-1 "No laboratory error found" --reason "phase I" --as quinn
      atmp workflow do lab.oosinvestigation:1 escalate --reason "no lab error" --as quinn
    """


@oos.command("show")
@click.argument("number")
@as_option
@json_option
@handled
def show_oos(number: str, username: str, as_json: bool) -> None:
    """Show an OOS investigation."""
    setup_django()
    from atmp.lab.selectors.results import oos_document
    from atmp.lab.services.oos import find_oos

    emit(oos_document(find_oos(number, user=reader(username))), as_json=as_json, text=_oos_text)


@oos.command("list")
@as_option
@click.option("--status", default=None, help="phase_1, phase_2 or closed.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_oos(username: str, status: str | None, limit: int, as_json: bool) -> None:
    """List the OOS investigations of your sites, newest first."""
    setup_django()
    from atmp.lab.selectors.results import OOS_INVESTIGATIONS

    _list(OOS_INVESTIGATIONS, username, limit, status, as_json,
          lambda i: f"{i['number']}  {i['batch']}  {i['status']}  {i['title']}")  # fmt: skip


@oos.command("finding")
@click.argument("number")
@click.option("--phase-1", "phase_1_finding", default=None)
@click.option("--phase-2", "phase_2_finding", default=None)
@click.option("--reason", required=True)
@write
@handled
def finding(number: str, reason: str, **values: Any) -> None:
    """Write a phase's finding of an investigation not closed."""
    setup_django()
    from atmp.lab.selectors.results import oos_document
    from atmp.lab.services.oos import find_oos, record_findings

    auth = {k: values.pop(k) for k in AUTH}
    user = actor(auth)
    found = find_oos(number, user=user)
    changes = {k: v for k, v in values.items() if v is not None}
    record_findings(actor=user, oos=found, reason=reason, **changes)
    emit(oos_document(found), as_json=auth["as_json"], text=_oos_text)
