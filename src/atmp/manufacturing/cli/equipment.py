"""`atmp manufacturing equipment …`: register, show, list, ask whether usable, the logbook and its entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing
from atmp.trace.cli.common import REASON, actor, reader, write

AT = click.option("--at", default=None, help="When, ISO 8601 with a zone (default: now).")
NOTE = click.option("--note", default="", help="What was done, found or measured.")


def _equipment_text(d: dict[str, Any]) -> str:
    cal, maint, clean = d["calibration"], d["maintenance"], d["cleaning"]
    return "\n".join(
        [
            f"{d['code']} {d['name']} ({d['equipment_class']}) at {d['site']} {d['location']}: {d['status']}",
            _regime("calibration", cal),
            _regime("maintenance", maint),
            f"cleaning: {clean['status'] if clean['required'] else 'not required'}"
            + (f", until {clean['clean_until']}" if clean["clean_until"] else ""),
            f"usable now: {'yes' if d['refused'] is None else 'no, ' + d['refused']}",
        ]
    )


def _regime(work: str, d: dict[str, Any]) -> str:
    every = f"every {d['interval_days']} days" if d["interval_days"] else "no regime"
    return f"{work}: {every}, last {d['last'] or '—'}, due {d['due'] or '—'} ({d['state']})"


def _entry_text(d: dict[str, Any]) -> str:
    outcome = f" {d['outcome']}" if d["outcome"] else ""
    what = d["purpose"] or d["note"]
    return f"{d['at']}  {d['equipment']}  {d['kind']}{outcome}  by {d['by']}  {what}"


@manufacturing.group("equipment")
def equipment() -> None:
    """Equipment: qualification, calibration, maintenance, cleaning and the logbook.

    \b
    Examples:
      atmp manufacturing equipment register BSC-01 --name "Biosafety cabinet" --class bsc --site LEI \\
          --location "Room 2.14" --calibration-days 365 --maintenance-days 182 --clean-hold-hours 24 --as rita
      atmp manufacturing equipment qualification BSC-01 --stage iq --done-on 2026-11-02 --report iq.pdf --as rita
      atmp manufacturing equipment qualify BSC-01 --as alex --reason "IQ/OQ/PQ reviewed"
      atmp manufacturing equipment calibrate BSC-01 --passed --note "downflow 0.32 m/s" --as olga
      atmp manufacturing equipment clean BSC-01 --note "70 % IPA, sporicide" --as olga
      atmp manufacturing equipment usable BSC-01 --class bsc --as olga --json
      atmp manufacturing equipment use BSC-01 --purpose "B-0042 step 3" --class bsc --as olga
      atmp manufacturing equipment list --due overdue --as rita --json
    """


def _find(code: str, user: Any) -> Any:
    from atmp.manufacturing.services.equipment import find_equipment

    return find_equipment(code, user=user)


@equipment.command("register")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--class", "equipment_class", required=True, help="e.g. bsc, incubator, centrifuge, balance.")
@click.option("--site", required=True, help="The site's code.")
@click.option("--location", default="")
@click.option("--calibration-days", default=None, help="Calibration interval in days (none: not calibrated).")
@click.option("--maintenance-days", default=None, help="Preventive maintenance interval in days.")
@click.option(
    "--no-cleaning", is_flag=True, help="It is not cleaned before use (e.g. a balance outside the cleanroom)."
)
@click.option("--clean-hold-hours", default=None, help="Validated clean hold time (none: a cleaning does not expire).")
@click.option(
    "--opcua-endpoint", default="", help="Its OPC UA server (opc.tcp://host:port): batch entries read values there."
)
@REASON
@write
@handled
def register(
    code: str,
    name: str,
    equipment_class: str,
    site: str,
    location: str,
    calibration_days: str | None,
    maintenance_days: str | None,
    no_cleaning: bool,
    clean_hold_hours: str | None,
    opcua_endpoint: str,
    reason: str,
    **auth: Any,
) -> None:
    """Register a piece of equipment, in commissioning (not usable until qualified and cleaned)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.manufacturing.api.documents import equipment_document
    from atmp.manufacturing.services.equipment import register_equipment

    made = register_equipment(
        actor=actor(auth),
        code=code,
        name=name,
        equipment_class=equipment_class,
        site=accounts.find_site(site),
        location=location,
        calibration_interval_days=calibration_days,
        maintenance_interval_days=maintenance_days,
        cleaning_required=not no_cleaning,
        clean_hold_hours=clean_hold_hours,
        opcua_endpoint=opcua_endpoint,
        reason=reason,
    )
    emit(equipment_document(made), as_json=auth["as_json"], text=_equipment_text)


@equipment.command("show")
@click.argument("code")
@as_option
@json_option
@handled
def show(code: str, username: str, as_json: bool) -> None:
    """Show the equipment: due dates, cleaning, and whether it may be used now (the rule that stops it)."""
    setup_django()
    from atmp.manufacturing.api.documents import equipment_document

    emit(equipment_document(_find(code, reader(username))), as_json=as_json, text=_equipment_text)


@equipment.command("list")
@as_option
@click.option("--site", default=None, help="Only this site's.")
@click.option(
    "--due",
    type=click.Choice(["overdue", "soon"]),
    default=None,
    help="Only calibration or maintenance overdue (or due soon).",
)
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_(username: str, site: str | None, due: str | None, limit: int, as_json: bool) -> None:
    """List the equipment of your sites with its calibration and maintenance due dates."""
    setup_django()
    from atmp.lists import api_page
    from atmp.manufacturing.selectors.lists import EQUIPMENT

    raw = {"limit": str(limit), **({"site": site} if site else {}), **({"due": due} if due else {})}
    page = api_page(EQUIPMENT, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(
                f"{i['code']}  {i['equipment_class']}  {i['site']}  {i['status']}  calibration {i['calibration_due']}  "
                f"maintenance {i['maintenance_due']}  {i['clean_status']}"
                for i in d["items"]
            )
            or "none"
        ),
    )


@equipment.command("usable")
@click.argument("code")
@click.option("--class", "equipment_class", default=None, help="The class the step needs.")
@click.option("--on", default=None, help="When it would be used, ISO 8601 with a zone (default: now).")
@as_option
@json_option
@handled
def usable_(code: str, equipment_class: str | None, on: str | None, username: str, as_json: bool) -> None:
    """Say whether the equipment may be used, and which rule stops it (exit 1 when it may not)."""
    setup_django()
    from atmp.manufacturing.services.equipment import usable
    from atmp.trace.services import checks

    refused = usable(
        _find(code, reader(username)), on=checks.moment(on, "on") if on else _now(), equipment_class=equipment_class
    )
    emit({"usable": refused is None, "refused": refused}, as_json=as_json, text=lambda d: d["refused"] or "usable")
    if refused:
        raise click.exceptions.Exit(1)


def _now() -> Any:
    from atmp.ledger import clock

    return clock.now()


@equipment.command("logbook")
@click.argument("code")
@as_option
@click.option("--limit", type=click.IntRange(1, 500), default=100)
@json_option
@handled
def logbook_(code: str, username: str, limit: int, as_json: bool) -> None:
    """Show the equipment's logbook, newest first."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document

    eq = _find(code, reader(username))
    rows = eq.logbook.filter(voided=False).select_related("equipment", "created_by", "report", "product")[:limit]
    emit([entry_document(x) for x in rows], as_json=as_json, text=lambda d: "\n".join(map(_entry_text, d)) or "empty")


@equipment.command("use")
@click.argument("code")
@click.option("--purpose", required=True, help="The batch and step, or what it was used for.")
@click.option("--class", "equipment_class", default=None, help="The class the step needs (checked).")
@click.option("--product", default=None, help="The product's code (another product's last use needs a changeover).")
@AT
@NOTE
@REASON
@write
@handled
def use(
    code: str,
    purpose: str,
    equipment_class: str | None,
    product: str | None,
    at: str | None,
    note: str,
    reason: str,
    **auth: Any,
) -> None:
    """Record a use; refused (exit 2) with the rule's name when the equipment may not be used."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.logbook import record_use
    from atmp.manufacturing.services.products import find_product

    user = actor(auth)
    made = record_use(
        actor=user,
        equipment=_find(code, user),
        purpose=purpose,
        equipment_class=equipment_class,
        product=find_product(product) if product else None,
        at=at,
        note=note,
        reason=reason,
    )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@equipment.command("clean")
@click.argument("code")
@click.option("--changeover", is_flag=True, help="A changeover cleaning between products or GMO classes.")
@AT
@NOTE
@REASON
@write
@handled
def clean(code: str, changeover: bool, at: str | None, note: str, reason: str, **auth: Any) -> None:
    """Record a cleaning (--changeover between products): clean until the clean hold time expires or the next use."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.logbook import record_cleaning

    user = actor(auth)
    made = record_cleaning(
        actor=user, equipment=_find(code, user), at=at, note=note, reason=reason, changeover=changeover
    )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@equipment.command("calibrate")
@click.argument("code")
@click.option("--passed/--failed", required=True, help="The result against the tolerance.")
@click.option("--certificate", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@AT
@NOTE
@REASON
@write
@handled
def calibrate(
    code: str, passed: bool, certificate: Path | None, at: str | None, note: str, reason: str, **auth: Any
) -> None:
    """Enter a calibration result (always accepted); a failed one takes it out of service and opens a deviation."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.logbook import record_calibration

    user = actor(auth)
    stream = certificate.open("rb") if certificate else None
    try:
        entry, deviation = record_calibration(
            actor=user,
            equipment=_find(code, user),
            passed=passed,
            at=at,
            note=note,
            report=stream,
            report_name=certificate.name if certificate else "",
            reason=reason,
        )
    finally:
        if stream:
            stream.close()
    data = {"entry": entry_document(entry), "deviation": deviation.number if deviation else None}
    emit(
        data,
        as_json=auth["as_json"],
        text=lambda d: (
            _entry_text(d["entry"]) + (f"\nout of service; deviation {d['deviation']} opened" if d["deviation"] else "")
        ),
    )


@equipment.command("maintain")
@click.argument("code")
@AT
@NOTE
@REASON
@write
@handled
def maintain(code: str, at: str | None, note: str, reason: str, **auth: Any) -> None:
    """Record a preventive maintenance done: the next one falls due one interval later."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.logbook import record_maintenance

    user = actor(auth)
    made = record_maintenance(actor=user, equipment=_find(code, user), at=at, note=note, reason=reason)
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@equipment.command("breakdown")
@click.argument("code")
@click.option("--note", required=True, help="What failed.")
@AT
@REASON
@write
@handled
def breakdown(code: str, note: str, at: str | None, reason: str, **auth: Any) -> None:
    """Record a breakdown: the equipment goes out of service until QA returns it."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.logbook import record_breakdown

    user = actor(auth)
    made = record_breakdown(actor=user, equipment=_find(code, user), note=note, at=at, reason=reason)
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@equipment.command("qualification")
@click.argument("code")
@click.option("--stage", required=True, type=click.Choice(["iq", "oq", "pq"]))
@click.option("--done-on", required=True, help="YYYY-MM-DD.")
@click.option("--report", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@NOTE
@REASON
@write
@handled
def qualification(code: str, stage: str, done_on: str, report: Path, note: str, reason: str, **auth: Any) -> None:
    """Record an IQ, OQ or PQ with its report (stored, hashed)."""
    setup_django()
    from atmp.manufacturing.api.documents import entry_document
    from atmp.manufacturing.services.equipment import record_qualification_stage

    user = actor(auth)
    with report.open("rb") as stream:
        made = record_qualification_stage(
            actor=user,
            equipment=_find(code, user),
            stage=stage,
            done_on=done_on,
            report=stream,
            report_name=report.name,
            note=note,
            reason=reason,
        )
    emit(entry_document(made), as_json=auth["as_json"], text=_entry_text)


@equipment.command("qualify")
@click.argument("code")
@as_option
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def qualify_(code: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Approve the qualification with your signature 'approved' (QA): the equipment may be used."""
    setup_django()
    from atmp.manufacturing.api.documents import equipment_document
    from atmp.manufacturing.services.equipment import qualify

    user, password = user_and_password(username, password_file)
    done = qualify(actor=user, equipment=_find(code, user), password=password, otp=otp, reason=reason)
    emit(equipment_document(done), as_json=as_json, text=_equipment_text)
