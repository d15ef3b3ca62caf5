"""`atmp quality risk …`: FMEA risk assessments and their rows, the risk register, the sites' scales.

Transitions (submit, return, approve, supersede, retire, cancel) are `atmp workflow do ASSESSMENT NAME`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django
from atmp.cli.base import json_option as JSON
from atmp.cli.base import otp_option as OTP
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED

REASON = click.option("--reason", default="", help="Why (recorded in the ledger; needed for every later change).")
REASON_REQUIRED = click.option("--reason", required=True, help="Why (recorded in the ledger).")
VERSION = click.option("--version", type=int, default=None, help="The version you saw; refused if it moved on.")


def find_assessment(text: str, user: Any) -> Any:
    """Return the assessment a number (RA-2026-0001), key or id names, if the user sees it."""
    from atmp.quality.api.changes import find_assessment as by_number_or_key

    text = text.strip()
    return by_number_or_key(user, f"quality.riskassessment:{text}" if text.isdecimal() else text, field="assessment")


def _text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['number']} v{doc['version']} [{doc['status_label']}] {doc['title']} ({doc['site']})"]
    lines.append(f"  product: {doc['product'] or '-'}  process: {doc['process'] or '-'}")
    for row in doc.get("rows", []):
        residual = f" → {row['residual_rpn']} ({row['residual_class']})" if row["residual_rpn"] is not None else ""
        lines.append(
            f"  {row['position']:>3}. {row['failure_mode']}: S{row['severity']} O{row['occurrence']} "
            f"D{row['detectability']} RPN {row['rpn']} ({row['risk_class']}){residual}"
        )
    return "\n".join(lines)


def _row_text(doc: dict[str, Any]) -> str:
    return f"row {doc['id']}: {doc['failure_mode']}, RPN {doc['rpn']} ({doc['risk_class']})"


@quality.group("risk")
def risk() -> None:
    """Risk assessments (ICH Q9(R1)): FMEA worksheets, the risk register, the sites' scales.

    \b
    Examples:
      atmp quality risk open --site LEI --title "Medium change" --product AAV9-SMN --as rita
      atmp quality risk row add RA-2026-0001 --failure-mode "Endotoxin" -s 4 -o 2 -d 3 --as rita
      atmp workflow do quality.riskassessment:1 submit --as rita --reason "scored"
      atmp quality risk register --product AAV9-SMN --as rita --json
    """


@risk.command("open")
@click.option("--site", required=True, help="The site's code.")
@click.option("--title", required=True)
@click.option("--product", default="", help="The product assessed.")
@click.option("--process", default="", help="The process assessed.")
@click.option("--scope", default="")
@click.option("--conclusion", default="")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def open_(
    site: str,
    title: str,
    product: str,
    process: str,
    scope: str,
    conclusion: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Open an FMEA risk assessment, scored on the site's scale."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.risk import assessment_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    made = services.open_assessment(
        actor=user,
        site=accounts.find_site(site),
        title=title,
        product=product,
        process=process,
        scope=scope,
        conclusion=conclusion,
        reason=reason,
    )
    emit(assessment_document(made), as_json=as_json, text=_text)


@risk.command("list")
@click.option("--site", default=None)
@click.option("--status", default=None)
@click.option("--product", default=None)
@click.option("--process", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@VOIDED
@AS
@JSON
@handled
def list_(
    site: str | None,
    status: str | None,
    product: str | None,
    process: str | None,
    limit: int,
    voided: bool,
    username: str,
    as_json: bool,
) -> None:
    """List the risk assessments you see, newest first."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.paging import shown
    from atmp.quality.api.risk import assessment_document
    from atmp.quality.models.risk import RiskAssessment

    user = accounts.find_user(username)
    rows = shown(RiskAssessment.objects.select_related("site").order_by("-pk"), voided=voided)
    ids = user.site_ids()
    if ids is not None:
        rows = rows.filter(site_id__in=ids)
    if site:
        rows = rows.filter(site=accounts.find_site(site))
    if status:
        rows = rows.filter(status=status)
    if product:
        rows = rows.filter(product__iexact=product.strip())
    if process:
        rows = rows.filter(process__iexact=process.strip())
    docs = [assessment_document(a) for a in rows[:limit]]
    emit({"items": docs}, as_json=as_json, text=lambda d: "\n".join(_text(a) for a in d["items"]) or "none")


@risk.command("show")
@click.argument("assessment")
@AS
@JSON
@handled
def show(assessment: str, username: str, as_json: bool) -> None:
    """Show an assessment with its FMEA rows."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.risk import assessment_document, row_document
    from atmp.quality.models.risk import FmeaRow

    user = accounts.find_user(username)
    found = find_assessment(assessment, user)
    rows = FmeaRow.objects.filter(assessment=found, voided=False).order_by("position")
    emit({**assessment_document(found), "rows": [row_document(r) for r in rows]}, as_json=as_json, text=_text)


@risk.command("update")
@click.argument("assessment")
@click.option("--title", default=None)
@click.option("--product", default=None)
@click.option("--process", default=None)
@click.option("--scope", default=None)
@click.option("--conclusion", default=None)
@AS
@REASON_REQUIRED
@VERSION
@OTP
@PASSWORD_FILE
@JSON
@handled
def update(
    assessment: str,
    username: str,
    reason: str,
    version: int | None,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Change a draft assessment."""
    setup_django()
    from atmp.quality.api.risk import assessment_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_assessment(assessment, user)
    given = {k: v for k, v in fields.items() if v is not None}
    made = services.update_assessment(actor=user, assessment=found, reason=reason, version=version, **given)
    emit(assessment_document(made), as_json=as_json, text=_text)


@risk.group("row")
def row() -> None:
    """The rows of a draft FMEA: add, update, remove."""


def row_options(*, required: bool) -> Any:
    """Return a decorator adding a row's options (scores required when adding)."""

    def decorate(func: Any) -> Any:
        options = [
            click.option("--failure-mode", "failure_mode", required=required, default=None),
            click.option("--effect", default=None),
            click.option("--cause", default=None),
            click.option("--controls", default=None, help="The current controls."),
            click.option("-s", "--severity", type=int, required=required, default=None),
            click.option("-o", "--occurrence", type=int, required=required, default=None),
            click.option("-d", "--detectability", type=int, required=required, default=None),
            click.option("--actions", default=None),
            click.option("--residual-severity", "residual_severity", type=int, default=None),
            click.option("--residual-occurrence", "residual_occurrence", type=int, default=None),
            click.option("--residual-detectability", "residual_detectability", type=int, default=None),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@row.command("add")
@click.argument("assessment")
@row_options(required=True)
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def row_add(
    assessment: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Add a scored failure mode; the RPNs are computed."""
    setup_django()
    from atmp.quality.api.risk import row_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_assessment(assessment, user)
    given = {k: v for k, v in fields.items() if v is not None}
    made = services.add_row(actor=user, assessment=found, reason=reason, **given)
    emit(row_document(made), as_json=as_json, text=_row_text)


def _row(found: Any, row_id: int) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.models.risk import FmeaRow

    row = FmeaRow.objects.filter(pk=row_id, assessment=found, voided=False).first()
    if row is None:
        raise InvalidInput("row", f"{found.number} has no row {row_id}")
    return row


@row.command("update")
@click.argument("assessment")
@click.argument("row_id", type=int)
@row_options(required=False)
@AS
@REASON_REQUIRED
@VERSION
@OTP
@PASSWORD_FILE
@JSON
@handled
def row_update(
    assessment: str,
    row_id: int,
    username: str,
    reason: str,
    version: int | None,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Change a row of a draft FMEA; its RPNs are computed again."""
    setup_django()
    from atmp.quality.api.risk import row_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_assessment(assessment, user)
    given = {k: v for k, v in fields.items() if v is not None}
    made = services.update_row(actor=user, row=_row(found, row_id), reason=reason, version=version, **given)
    emit(row_document(made), as_json=as_json, text=_row_text)


@row.command("remove")
@click.argument("assessment")
@click.argument("row_id", type=int)
@AS
@REASON_REQUIRED
@OTP
@PASSWORD_FILE
@JSON
@handled
def row_remove(
    assessment: str,
    row_id: int,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Remove a row of a draft FMEA (voided with the reason)."""
    setup_django()
    from atmp.quality.api.risk import row_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_assessment(assessment, user)
    made = services.remove_row(actor=user, row=_row(found, row_id), reason=reason)
    emit(row_document(made), as_json=as_json, text=_row_text)


@risk.command("revise")
@click.argument("newer")
@click.argument("older")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def revise(
    newer: str, older: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Record that NEWER revises the approved OLDER (which may then be superseded)."""
    setup_django()
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    new, old = find_assessment(newer, user), find_assessment(older, user)
    made = services.revise(actor=user, newer=new, older=old, reason=reason)
    emit(
        {"link": made.pk, "source": new.number, "target": old.number},
        as_json=as_json,
        text=f"{new.number} revises {old.number}",
    )


@risk.command("register")
@click.option("--product", default="")
@click.option("--process", default="")
@click.option("--site", default=None)
@click.option("--top", type=click.IntRange(1, 50), default=3, help="Rows shown per assessment.")
@AS
@JSON
@handled
def register(product: str, process: str, site: str | None, top: int, username: str, as_json: bool) -> None:
    """Show the risk register of a product or process: approved assessments, riskiest first."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.api.risk import register_document
    from atmp.quality.selectors import risk as selectors

    if not (product.strip() or process.strip()):
        raise InvalidInput("product", "name a product or a process (the register is kept per product and process)")
    user = accounts.find_user(username)
    site_id = accounts.find_site(site).pk if site else None
    entries = selectors.register(viewer=user, product=product, process=process, site_id=site_id, top=top)
    docs = [register_document(e) for e in entries]

    def text(d: dict[str, Any]) -> str:
        lines = []
        for e in d["items"]:
            lines.append(f"{e['number']} {e['title']} ({e['site']}): highest remaining RPN {e['highest']}")
            lines.extend(f"    {r['remaining']:>4} {r['failure_mode']}" for r in e["rows"])
        return "\n".join(lines) or "no approved assessment"

    emit({"items": docs}, as_json=as_json, text=text)


@risk.group("scale")
def scale() -> None:
    """The sites' scoring scales (levels, thresholds, what each level means)."""


@scale.command("show")
@click.option("--site", default=None, help="The scale that applies at this site.")
@AS
@JSON
@handled
def scale_show(site: str | None, username: str, as_json: bool) -> None:
    """Show the scale that applies at a site (or the default), and where it comes from."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.risk import scale_document, scale_numbers
    from atmp.quality.services import risk as services

    accounts.find_user(username)
    where = accounts.find_site(site) if site else None
    row_found = services.scale_row(where)
    doc: dict[str, Any] = (
        scale_document(row_found) if row_found else {**scale_numbers(services.scale_for(None)), "site": None}
    )
    doc["source"] = "configured" if row_found else "built-in default"
    emit(doc, as_json=as_json)


@scale.command("set")
@click.argument("site")
@click.option("--levels", type=int, default=None)
@click.option("--major-rpn", "major_rpn", type=int, default=None)
@click.option("--critical-rpn", "critical_rpn", type=int, default=None)
@click.option("--major-severity", "major_severity", type=int, default=None)
@click.option("--critical-severity", "critical_severity", type=int, default=None)
@click.option("--severity-levels", "severity_levels", default=None, help="One definition per line, level 1 first.")
@click.option("--occurrence-levels", "occurrence_levels", default=None)
@click.option("--detectability-levels", "detectability_levels", default=None)
@AS
@REASON
@VERSION
@OTP
@PASSWORD_FILE
@JSON
@handled
def scale_set(
    site: str,
    username: str,
    reason: str,
    version: int | None,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Set the scale of SITE (a site code, or 'default' for every site without its own)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.risk import scale_document
    from atmp.quality.services import risk as services

    user = authenticated_user(username, password_file=password_file, otp=otp)
    where = None if site.strip().lower() == "default" else accounts.find_site(site)
    given = {k: v for k, v in fields.items() if v is not None}
    made = services.set_scale(actor=user, site=where, reason=reason, version=version, **given)
    emit(scale_document(made), as_json=as_json)
