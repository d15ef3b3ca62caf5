"""`atmp trace person|use|administer|forward|backward`: the people, the genealogy's edges, and the trace."""

from __future__ import annotations

from typing import Any, Literal

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, REASON, actor, reader, write


@trace.group("person")
def person() -> None:
    """Donors and patients: a COI code each, and no personal data.

    \b
    Example:
      atmp trace person add --kind patient --site LEI --as rita --json
    """


@person.command("add")
@click.option("--kind", required=True, type=click.Choice(["donor", "patient"]))
@click.option("--site", required=True, help="The site's code: the COI is in its scheme.")
@REASON
@write
@handled
def add_person(kind: str, site: str, reason: str, **auth: Any) -> None:
    """Register a donor or patient; prints the new COI."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.trace.api.documents import person_document
    from atmp.trace.services.persons import register_person

    made = register_person(actor=actor(auth), kind=kind, site=accounts.find_site(site), reason=reason)
    emit(person_document(made), as_json=auth["as_json"], text=lambda d: d["coi"])


@trace.command("use")
@click.argument("input_lot", metavar="INPUT")
@click.argument("output_lot", metavar="OUTPUT")
@click.option("--quantity", required=True, help="How much of INPUT went into OUTPUT (a decimal).")
@click.option("--unit", required=True, help="A UCUM code of INPUT's dimension; converted by the units table.")
@click.option("--at", default=None, help="When, ISO 8601 with a zone (default: now).")
@click.option("--made-by", default="", help="The record that performed it, type:id.")
@REASON
@write
@handled
def use(
    input_lot: str, output_lot: str, quantity: str, unit: str, at: str | None, made_by: str, reason: str, **auth: Any
) -> None:
    """Record that a quantity of lot INPUT went into lot OUTPUT (an edge of the genealogy).

    Refused (exit 2, the rule named): INPUT not released, expired on the day, or recalled;
    more than remains of INPUT; a unit of another dimension; OUTPUT not in quarantine; a cycle.

    \b
    Example:
      atmp trace use LV-0001 DP-0001 --quantity 5 --unit mL --as olga
    """
    setup_django()
    from atmp.trace.api.documents import use_document
    from atmp.trace.services.genealogy import record_use
    from atmp.trace.services.lots import find_lot

    user = actor(auth)
    made = record_use(
        actor=user,
        input=find_lot(input_lot, field="input", user=user),
        output=find_lot(output_lot, field="output", user=user),
        quantity=quantity,
        unit=unit,
        at=at,
        made_by=made_by,
        reason=reason,
    )
    emit(
        use_document(made),
        as_json=auth["as_json"],
        text=lambda d: f"{d['quantity']} {d['unit']} of {d['input']} → {d['output']}",
    )


@trace.command("administer")
@click.argument("lot_number", metavar="LOT", required=False)
@click.argument("patient", metavar="PATIENT", required=False)
@click.option("--patient-scan", default=None, help="The patient's wristband, as the reader typed it (its COI).")
@click.option("--product-scan", default=None, help="The product's label, as the reader typed it (its lot).")
@click.option("--place", default="", help="Where (with the scans): the ward and bed.")
@click.option("--at", default=None, help="When, ISO 8601 with a zone (default: now).")
@click.option(
    "--quantity",
    default=None,
    help="How much of LOT was given (default: one bag or vial, or all that remains of a lot counted otherwise).",
)
@click.option("--unit", default=None, help="The quantity's UCUM unit (default: LOT's).")
@REASON
@write
@handled
def administer(
    lot_number: str | None,
    patient: str | None,
    patient_scan: str | None,
    product_scan: str | None,
    place: str,
    at: str | None,
    quantity: str | None,
    unit: str | None,
    reason: str,
    **auth: Any,
) -> None:
    """Record that LOT (released), or --quantity of it, was given to PATIENT (a COI), or, at the bedside, scan both.

    With --patient-scan and --product-scan (and --place) the two scans are matched first: a
    product made for another patient exits 2, the attempt recorded as a blocked hand-over with a
    deviation (both named in the message). Give either LOT PATIENT or the two scans. Without
    --quantity, one container of a lot counted in bags or vials is given, else all that remains.

    \b
    Example:
      atmp trace administer --patient-scan LEI-P-000001-1 --product-scan DP-0001 --place "ward 4, bed 12" --as olga
    """
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.trace.api.documents import administration_document
    from atmp.trace.services.custody import administer_by_scan
    from atmp.trace.services.genealogy import administer as give
    from atmp.trace.services.lots import find_lot
    from atmp.trace.services.persons import find_person

    scanned = patient_scan is not None or product_scan is not None
    if scanned and (lot_number or patient):
        raise InvalidInput("lot", "give either LOT PATIENT or --patient-scan and --product-scan, not both")
    if scanned and (patient_scan is None or product_scan is None):
        missing = "--patient-scan" if patient_scan is None else "--product-scan"
        raise InvalidInput(missing.lstrip("-").replace("-", "_"), f"{missing} is needed with the other scan")
    if not scanned and not (lot_number and patient):
        raise InvalidInput("lot", "give LOT and PATIENT, or --patient-scan and --product-scan")
    user = actor(auth)
    if scanned:
        if quantity is not None or unit is not None:
            raise InvalidInput("quantity", "at the bedside one container is given: --quantity goes with LOT PATIENT")
        given = administer_by_scan(
            actor=user,
            patient_scan=str(patient_scan),
            product_scan=str(product_scan),
            place=place,
            at=at,
            reason=reason,
        )
    else:
        given = give(
            actor=user,
            lot=find_lot(str(lot_number), user=user),
            patient=find_person(str(patient), field="patient", user=user),
            at=at,
            quantity=quantity,
            unit=unit,
            reason=reason,
        )
    emit(administration_document(given), as_json=auth["as_json"], text=lambda d: f"{d['lot']} given to {d['patient']}")


def _trace_text(d: dict[str, Any]) -> str:
    people = "patients" if "patients" in d else "donors"
    lines = [f"{len(d['lots'])} lots from {d['root']} ({d['elapsed_ms']} ms)"]
    lines += [f"  {x['level']:>3}  {x['lot']:<20} {x['material']:<14} {x['status']:<11} {x['site']}" for x in d["lots"]]
    lines.append(f"{len(d[people])} {people}")
    lines += [f"  {p['level']:>3}  {p['coi']}" for p in d[people]]
    return "\n".join(lines)


def _trace(root: str, direction: Literal["forward", "backward"], username: str | None, as_json: bool) -> None:
    setup_django()
    from atmp.trace.api.documents import trace_document
    from atmp.trace.selectors import genealogy
    from atmp.trace.selectors.lookups import root_named

    viewer = reader(username)
    found, elapsed = genealogy.timed(root_named(root, viewer), direction)
    if viewer is not None:
        found = found.visible_to(viewer.site_ids())
    emit(trace_document(found, elapsed), as_json=as_json, text=_trace_text)


@trace.command("forward")
@click.argument("root", metavar="ID")
@READER
@json_option
@handled
def forward(root: str, username: str | None, as_json: bool) -> None:
    """Trace forward from ID (a lot number, or a donor's COI): every lot made with it, and the patients.

    Prints {"root", "lots": [{"lot", "material", "type", "status", "site", "level"}, …],
    "patients": [{"coi", "kind", "site", "level"}, …], "elapsed_ms"}; level is the shortest
    distance from ID. An unknown ID exits 2, naming it.
    """
    _trace(root, "forward", username, as_json)


@trace.command("backward")
@click.argument("root", metavar="ID")
@READER
@json_option
@handled
def backward(root: str, username: str | None, as_json: bool) -> None:
    """Trace backward from ID (a lot number, or a patient's COI): every lot it was made from, and the donors.

    Prints {"root", "lots": [{"lot", "material", "type", "status", "site", "level"}, …],
    "donors": [{"coi", "kind", "site", "level"}, …], "elapsed_ms"}; level is the shortest
    distance from ID. An unknown ID exits 2, naming it.
    """
    _trace(root, "backward", username, as_json)


@trace.command("void")
@click.argument("key", metavar="RECORD")
@REASON
@write
@handled
def void(key: str, reason: str, **auth: Any) -> None:
    """Void RECORD (trace.lot:ID, trace.use:ID, trace.administration:ID or trace.person:ID) with --reason.

    A correction: the record and its history stay in the ledger. Refused (exit 2, naming the record
    and the rule): a lot or person with live uses, administrations or donations; a use whose output
    lot has left quarantine, or an administration, before its retention end (30 years after the
    product's expiry, Regulation (EC) No 1394/2007 Art. 15(4)).
    """
    setup_django()
    from atmp.trace.services.void import void_record
    from atmp.workflow import links

    user = actor(auth)
    made = void_record(actor=user, record=links.resolve(key, field="record", user=user), reason=reason)
    emit(
        {"record": made.record_key, "version": made.version, "voided": made.voided},
        as_json=auth["as_json"],
        text=lambda d: f"{d['record']} voided",
    )
