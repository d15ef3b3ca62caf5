"""`atmp trace ship|shipment|handover|temperature-log`: the chain of custody on the command line.

(`atmp trace administer --patient-scan … --product-scan …`, the bedside, is in cli/genealogy.py
beside the plain `administer LOT PATIENT`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, REASON, actor, reader, write

STAGES = ["collection", "courier", "manufacturing", "qc", "storage", "treatment_centre", "bedside"]


def _shipment_text(d: dict[str, Any]) -> str:
    lines = [
        f"shipment {d['number']} (tracking {d['tracking'] or '—'}), {d['origin']} → {d['destination']}"
        f"{' (site ' + d['destination_site'] + ')' if d['destination_site'] else ''}, "
        f"COI {d['coi'] or '—'}, lots {', '.join(d['lots'])}"
    ]
    for h in d["handovers"]:
        lines.append(f"  {h['at']}  {h['stage']:<16} {h['outcome']:<8} {h['from_party']} → {h['to_party']} {h['rule']}")
    for log in d["temperature_logs"]:
        lines.append(
            f"  log {log['name']}: {log['min']}…{log['max']} °C in {log['low']}…{log['high']} °C, "
            f"{log['seconds_out_of_range']} s out of range{' (EXCURSION)' if log['excursion'] else ''}"
        )
    return "\n".join(lines)


@trace.command("ship")
@click.argument("number", metavar="SHIPMENT")
@click.option("--lot", "lots", multiple=True, required=True, help="A lot it carries (repeat for several).")
@click.option("--origin", required=True, help="Where it leaves from.")
@click.option("--destination", required=True, help="Where it goes.")
@click.option("--stage", "destination_stage", required=True, type=click.Choice(STAGES), help="The stage it goes to.")
@click.option(
    "--destination-site",
    default=None,
    metavar="CODE",
    help="The site of ours it goes to: its users record the receipt.",
)
@click.option(
    "--patient",
    default=None,
    metavar="COI",
    help="The patient an allogeneic product is shipped for (given only to them).",
)
@click.option("--tracking", default="", help="The courier's tracking identifier (unique).")
@click.option("--courier", default="", help="The courier's name.")
@click.option("--low", "temperature_low", default=None, help="The lowest acceptable temperature, °C.")
@click.option("--high", "temperature_high", default=None, help="The highest acceptable temperature, °C.")
@click.option("--at", default=None, help="When it left, ISO 8601 with a zone (default: now).")
@REASON
@write
@handled
def ship(
    number: str,
    lots: tuple[str, ...],
    origin: str,
    destination: str,
    destination_stage: str,
    destination_site: str | None,
    patient: str | None,
    tracking: str,
    courier: str,
    temperature_low: str | None,
    temperature_high: str | None,
    at: str | None,
    reason: str,
    **auth: Any,
) -> None:
    """Ship lots under SHIPMENT, a unique shipment identifier (and --tracking, unique too).

    Refused (exit 2, the rule named): a shipment or tracking identifier already used; a recalled,
    rejected, consumed, expired or voided lot; a quarantined lot to a treatment centre; two
    patients' products in one shipment. Without --low/--high a temperature log is held to the
    lots' material storage conditions. With --destination-site the users of that site of ours see
    the shipment, record its receiving hand-over and upload its log; with --patient an allogeneic
    product is shipped for that patient (COI) and is given at the bedside to no one else.

    \b
    Example:
      atmp trace ship SHP-0001 --lot DP-0001 --origin Leiden --destination "LUMC pharmacy" \\
        --stage treatment_centre --tracking 1Z999AA10123456784 --low -196 --high -150 --as olga
    """
    setup_django()
    from atmp.trace.selectors.custody import shipment_document
    from atmp.trace.services import custody
    from atmp.trace.services.lots import find_lot

    user = actor(auth)
    made = custody.ship(
        actor=user,
        number=number,
        lots=[find_lot(n, field="lots", user=user) for n in lots],
        origin=origin,
        destination=destination,
        destination_stage=destination_stage,
        tracking=tracking,
        courier=courier,
        temperature_low=temperature_low,
        temperature_high=temperature_high,
        shipped_at=at,
        destination_site=destination_site,
        patient=patient,
        reason=reason,
    )
    emit(shipment_document(made), as_json=auth["as_json"], text=_shipment_text)


@trace.command("shipment")
@click.argument("identifier", metavar="SHIPMENT")
@READER
@json_option
@handled
def shipment(identifier: str, username: str | None, as_json: bool) -> None:
    """Show SHIPMENT (its shipment or tracking identifier): lots, hand-overs (blocked ones too) and logs."""
    setup_django()
    from atmp.trace.selectors.custody import shipment_document
    from atmp.trace.services.custody import find_shipment

    emit(shipment_document(find_shipment(identifier, user=reader(username))), as_json=as_json, text=_shipment_text)


@trace.command("handover")
@click.argument("identifier", metavar="SHIPMENT")
@click.option("--stage", required=True, type=click.Choice(STAGES[:-1]), help="The stage it is handed over to.")
@click.option("--giver-scan", required=True, help="What the giver's scan read (label symbol, lot number or COI).")
@click.option("--receiver-scan", required=True, help="What the receiver's scan read.")
@click.option("--place", required=True, help="Where.")
@click.option("--from", "from_party", required=True, help="Who hands it over.")
@click.option("--to", "to_party", required=True, help="Who receives it.")
@click.option("--condition", default="", help="Its condition (seal, shipper, labels).")
@click.option(
    "--at",
    default=None,
    help="When, ISO 8601 with a zone (default: now); not before the shipment left nor its previous accepted "
    "hand-over, at most 5 min ahead of the clock.",
)
@REASON
@write
@handled
def handover(
    identifier: str,
    stage: str,
    giver_scan: str,
    receiver_scan: str,
    place: str,
    from_party: str,
    to_party: str,
    condition: str,
    at: str | None,
    reason: str,
    **auth: Any,
) -> None:
    """Hand SHIPMENT over; both scans must name its lots and the COI it carries.

    A mismatched scan exits 2 naming it: the blocked attempt is recorded and a deviation opened
    (both named in the message). An unreadable scan exits 2 and writes nothing.
    """
    setup_django()
    from atmp.trace.selectors.custody import handover_document
    from atmp.trace.services import custody

    user = actor(auth)
    done = custody.record_handover(
        actor=user,
        shipment=custody.find_shipment(identifier, user=user),
        stage=stage,
        giver_scan=giver_scan,
        receiver_scan=receiver_scan,
        place=place,
        from_party=from_party,
        to_party=to_party,
        condition=condition,
        at=at,
        reason=reason,
    )
    emit(
        handover_document(done),
        as_json=auth["as_json"],
        text=lambda d: f"{d['shipment']}: handed over to {d['to_party']} ({d['stage']})",
    )


@trace.command("temperature-log")
@click.argument("identifier", metavar="SHIPMENT")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@REASON
@write
@handled
def temperature_log(identifier: str, path: Path, reason: str, **auth: Any) -> None:
    """Import the shipper's temperature log (CSV: a time column and a °C column) into SHIPMENT.

    Prints the readings' min, max and time out of range. An excursion opens a deviation that holds
    the shipment (no hand-over until it is closed); it is reported, and the exit code is 0.
    """
    setup_django()
    from atmp.trace.selectors.custody import log_document
    from atmp.trace.services import custody

    user = actor(auth)
    with path.open("rb") as stream:
        log = custody.import_temperature_log(
            actor=user,
            shipment=custody.find_shipment(identifier, user=user),
            stream=stream,
            name=path.name,
            reason=reason,
        )
    emit(
        log_document(log),
        as_json=auth["as_json"],
        text=lambda d: (
            f"{d['readings']} readings, {d['min']}…{d['max']} °C (range {d['low']}…{d['high']} °C), "
            f"{d['seconds_out_of_range']} s out of range"
            + (f": EXCURSION, deviation {', '.join(d['deviations'])} opened" if d["excursion"] else "")
        ),
    )
