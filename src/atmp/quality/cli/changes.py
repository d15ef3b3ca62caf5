"""`atmp quality change …`: change controls, what they affect, their risk assessment, tasks, the QP's approval.

Transitions (assess, submit, approve, complete, close, cancel) are `atmp workflow do CHANGE NAME`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django, user_and_password
from atmp.cli.base import json_option as JSON
from atmp.cli.base import otp_option as OTP
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED

REASON = click.option("--reason", default="", help="Why (recorded in the ledger; needed for every later change).")
VERSION = click.option("--version", type=int, default=None, help="The version you saw; refused if it moved on.")


def content_options(func: Any) -> Any:
    """Add the options that set a change's content (shared by open and update)."""
    options = [
        click.option("--description", default=None, help="What changes."),
        click.option("--justification", default=None, help="Why it changes."),
        click.option("--product", "affected_products", multiple=True, help="An affected product (repeat)."),
        click.option("--process", "affected_processes", multiple=True, help="An affected process (repeat)."),
        click.option("--affected-site", "affected_sites", multiple=True, help="An affected site (repeat)."),
        click.option("--document", "affected_documents", multiple=True, help="An affected document (repeat)."),
        click.option("--equipment", "affected_equipment", multiple=True, help="Affected equipment (repeat)."),
        click.option("--system", "affected_systems", multiple=True, help="An affected system (repeat)."),
        click.option(
            "--classification",
            "regulatory_classification",
            default=None,
            help="none, type_ia, type_ia_in, type_ib, type_ii or ct_substantial_modification.",
        ),
        click.option("--rationale", "classification_rationale", default=None, help="Why that classification."),
        click.option("--approval-ref", "regulatory_approval_ref", default=None, help="The authority's approval."),
        click.option(
            "--comparability/--no-comparability", "comparability_required", default=None, help="Study required?"
        ),
        click.option(
            "--certified/--not-certified", "affects_certified_product", default=None, help="Certified product?"
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _content(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the content options given (a repeated option given at least once replaces the list)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items() if v not in (None, ())}


def _task_json(doc: dict[str, Any]) -> dict[str, Any]:
    """Return a task document with its dates as ISO text, as --json prints them."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in doc.items()}


def find_change(text: str, user: Any) -> Any:
    """Return the change a number (CC-2026-0001), key (quality.changecontrol:3) or id names, if the user sees it."""
    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.services import can_see
    from atmp.quality.models.changes import ChangeControl

    text = text.strip()
    found: Any
    if text.isdecimal():
        found = ChangeControl.objects.filter(pk=int(text)).first()
    elif ":" in text:
        from atmp.workflow import links

        found = links.resolve(text, field="change", user=user)
        if not isinstance(found, ChangeControl):
            found = None
    else:
        found = ChangeControl.objects.filter(number=text.upper()).first()
    if found is None or not can_see(user, found):
        raise InvalidInput("change", f"there is no change control {text!r}")
    return found


def _text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['number']} v{doc['version']} [{doc['status_label']}] {doc['title']} ({doc['site']})"]
    if doc["regulatory_classification"]:
        lines.append(f"  classification: {doc['regulatory_classification']}")
    if doc["risk_assessments"]:
        lines.append(f"  risk assessment: {', '.join(doc['risk_assessments'])}")
    for task in doc.get("tasks", []):
        lines.append(f"  [{'x' if task['done'] else ' '}] {task['id']} {task['title']} ({task['owner']})")
    return "\n".join(lines)


@quality.group("change")
def change() -> None:
    """Change controls (ICH Q10, Q12): open, update, affected records, risk assessment, tasks, QP approval.

    \b
    Examples:
      atmp quality change open --site LEI --title "New medium supplier" --as rita --json
      atmp quality change risk CC-2026-0001 RA-2026-0001 --as rita
      atmp workflow do quality.changecontrol:1 submit --as rita --reason "assessed"
      atmp quality change qp-approve CC-2026-0001 --as quinn
    """


@change.command("open")
@click.option("--site", required=True, help="The site's code.")
@click.option("--title", required=True, help="A short title.")
@content_options
@click.option("--affects", "affects", multiple=True, help="A record it affects, TYPE:ID (repeat).")
@click.option("--risk", "risk_assessment", default=None, help="Its risk assessment (RA-2026-0001).")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def open_(
    site: str,
    title: str,
    affects: tuple[str, ...],
    risk_assessment: str | None,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Open a change control."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.changes import change_document, find_assessment
    from atmp.quality.services import changes
    from atmp.workflow import links

    user = authenticated_user(username, password_file=password_file, otp=otp)
    made = changes.open_change(
        actor=user,
        site=accounts.find_site(site),
        title=title,
        reason=reason,
        affected_records=[links.resolve(k, field="affects", user=user) for k in affects],
        risk_assessment=find_assessment(user, risk_assessment) if risk_assessment else None,  # type: ignore[arg-type]
        **_content(fields),
    )
    emit(change_document(made), as_json=as_json, text=_text)


@change.command("list")
@click.option("--site", default=None, help="Only this site's changes.")
@click.option("--status", default=None, help="Only changes in this state.")
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@VOIDED
@AS
@JSON
@handled
def list_(site: str | None, status: str | None, limit: int, voided: bool, username: str, as_json: bool) -> None:
    """List the change controls you see, newest first."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.changes import change_document
    from atmp.quality.api.paging import shown
    from atmp.quality.models.changes import ChangeControl

    user = accounts.find_user(username)
    rows = shown(ChangeControl.objects.select_related("site").order_by("-pk"), voided=voided)
    ids = user.site_ids()
    if ids is not None:
        rows = rows.filter(site_id__in=ids)
    if site:
        rows = rows.filter(site=accounts.find_site(site))
    if status:
        rows = rows.filter(status=status)
    docs = [change_document(c) for c in rows[:limit]]
    emit({"items": docs}, as_json=as_json, text=lambda d: "\n".join(_text(c) for c in d["items"]) or "no changes")


@change.command("show")
@click.argument("change_ref")
@AS
@JSON
@handled
def show(change_ref: str, username: str, as_json: bool) -> None:
    """Show a change control with its tasks."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.changes import change_document, task_document
    from atmp.quality.models.changes import ChangeTask

    user = accounts.find_user(username)
    found = find_change(change_ref, user)
    tasks = ChangeTask.objects.filter(change=found, voided=False).order_by("pk")
    emit(
        {**change_document(found), "tasks": [_task_json(task_document(t)) for t in tasks]}, as_json=as_json, text=_text
    )


@change.command("update")
@click.argument("change_ref")
@click.option("--title", default=None)
@content_options
@click.option("--effectiveness-review", "effectiveness_review", default=None, help="The effectiveness review.")
@AS
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@VERSION
@OTP
@PASSWORD_FILE
@JSON
@handled
def update(
    change_ref: str,
    username: str,
    reason: str,
    version: int | None,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Change a change control's content (what may change depends on its state)."""
    setup_django()
    from atmp.quality.api.changes import change_document
    from atmp.quality.services import changes

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_change(change_ref, user)
    made = changes.update_change(actor=user, change=found, reason=reason, version=version, **_content(fields))
    emit(change_document(made), as_json=as_json, text=_text)


def _link_text(doc: dict[str, Any]) -> str:
    return f"link {doc['id']}: {doc['reads']} {doc['other']}"


@change.command("affect")
@click.argument("change_ref")
@click.argument("record")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def affect(
    change_ref: str, record: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Link a record the change affects (TYPE:ID): a document is 'revised', anything else 'concerned'."""
    setup_django()
    from atmp.quality.api.changes import link_out
    from atmp.quality.services import changes
    from atmp.workflow import links

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_change(change_ref, user)
    target = links.resolve(record, field="record", user=user)
    made = changes.link_affected(actor=user, change=found, record=target, reason=reason)
    emit(link_out(made, found), as_json=as_json, text=_link_text)


@change.command("risk")
@click.argument("change_ref")
@click.argument("assessment")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def risk(
    change_ref: str,
    assessment: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Link the risk assessment (RA-2026-0001) the change rests on."""
    setup_django()
    from atmp.quality.api.changes import find_assessment, link_out
    from atmp.quality.services import changes

    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_change(change_ref, user)
    made = changes.link_risk_assessment(
        actor=user, change=found, assessment=find_assessment(user, assessment), reason=reason
    )
    emit(link_out(made, found), as_json=as_json, text=_link_text)


@change.group("task")
def task() -> None:
    """A change's implementation tasks: add, done."""


def _date(value: str | None, field: str) -> dt.date | None:
    from atmp.accounts.errors import InvalidInput

    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a date like 2027-01-31") from None


def _task_text(doc: dict[str, Any]) -> str:
    return f"task {doc['id']} [{'done' if doc['done'] else 'open'}] {doc['title']} ({doc['owner']})"


@task.command("add")
@click.argument("change_ref")
@click.option("--title", required=True)
@click.option("--owner", required=True, help="The username of who does it.")
@click.option("--due", default=None, help="The due date, e.g. 2027-01-31.")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def task_add(
    change_ref: str,
    title: str,
    owner: str,
    due: str | None,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Add an implementation task."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.changes import task_document
    from atmp.quality.services import changes

    due_date = _date(due, "due")
    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_change(change_ref, user)
    made = changes.add_task(
        actor=user, change=found, title=title, owner=accounts.find_user(owner), due_date=due_date, reason=reason
    )
    emit(_task_json(task_document(made)), as_json=as_json, text=_task_text)


@task.command("done")
@click.argument("change_ref")
@click.argument("task_id", type=int)
@click.option("--evidence", required=True, help="What shows it is done.")
@click.option("--on", "done_on", default=None, help="The day it was done (today unless given).")
@AS
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@OTP
@PASSWORD_FILE
@JSON
@handled
def task_done(
    change_ref: str,
    task_id: int,
    evidence: str,
    done_on: str | None,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Mark an implementation task done, with its evidence."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.api.changes import task_document
    from atmp.quality.models.changes import ChangeTask
    from atmp.quality.services import changes

    day = _date(done_on, "on")
    user = authenticated_user(username, password_file=password_file, otp=otp)
    found = find_change(change_ref, user)
    row = ChangeTask.objects.filter(pk=task_id, change=found, voided=False).first()
    if row is None:
        raise InvalidInput("task", f"{found.number} has no task {task_id}")
    made = changes.complete_task(actor=user, task=row, evidence=evidence, reason=reason, done_on=day)
    emit(_task_json(task_document(made)), as_json=as_json, text=_task_text)


@change.command("qp-approve")
@click.argument("change_ref")
@AS
@OTP
@PASSWORD_FILE
@VERSION
@JSON
@handled
def qp_approve(
    change_ref: str, username: str, otp: str | None, password_file: Path | None, version: int | None, as_json: bool
) -> None:
    """Give a Qualified Person's approval of the assessed change (signed 'approved'), before it is submitted."""
    setup_django()
    from atmp.quality.services import changes

    user, password = user_and_password(username, password_file)
    found = find_change(change_ref, user)
    sig = changes.qp_approve(actor=user, change=found, password=password, otp=otp, version=version)
    doc = {"record": found.record_key, "meaning": sig.meaning, "signer": sig.signer_name, "version": sig.record_version}
    emit(doc, as_json=as_json, text=f"{found.number} v{sig.record_version} approved by {sig.signer_name} (QP)")
