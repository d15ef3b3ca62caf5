"""`atmp workflow …`: a record's state and transitions, assignment and links, as a named, re-authenticated user."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import (
    as_option,
    authenticated_user,
    handled,
    json_option,
    otp_option,
    setup_django,
    user_and_password,
    your_password_file_option,
)
from atmp.cli.output import emit

JSON = json_option
AS = as_option
OTP = otp_option
PASSWORD_FILE = your_password_file_option
REASON = click.option("--reason", required=True, help="Why (recorded in the ledger).")


@click.group()
def workflow() -> None:
    """Take a record's workflow transitions, assign it, link it to other records.

    \b
    Records are named TYPE:ID, e.g. quality.deviation:12. Every change is made as the user
    given with --as, who re-authenticates with their password (and code, with MFA).
    Examples:
      atmp workflow show quality.deviation:12 --as rita --json
      atmp workflow do quality.deviation:12 approve --as alex --reason "impact assessed"
      atmp workflow link quality.capa:3 originates_from quality.deviation:12 --as rita
    """


def _record(key: str, user: Any) -> Any:
    from atmp.workflow import links

    return links.resolve(key, field="record", user=user)


def _state_text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['record']} v{doc['version']}: {doc['status_label']}" + (" (overdue)" if doc["overdue"] else "")]
    who = doc["assignee"] or (f"role {doc['assigned_role']}" if doc["assigned_role"] else "nobody")
    lines.append(f"  assigned to {who}, due {doc['due_date'] or '-'}")
    for t in doc["transitions"]:
        mark = "+" if t["allowed"] else "-"
        why = "" if t["allowed"] else f"  ({'; '.join(t['reasons'])})"
        lines.append(f"  {mark} {t['name']}: {t['label']}{why}")
    return "\n".join(lines)


@workflow.command("show")
@click.argument("record")
@AS
@JSON
@handled
def show(record: str, username: str, as_json: bool) -> None:
    """Show the record's state and the transitions you may take now (and why not the others)."""
    setup_django()
    from atmp.accounts import services
    from atmp.workflow.api import state_document

    user = services.find_user(username)
    emit(state_document(user, _record(record, user)), as_json=as_json, text=_state_text)


@workflow.command("do")
@click.argument("record")
@click.argument("transition")
@AS
@REASON
@OTP
@PASSWORD_FILE
@click.option("--version", type=int, default=None, help="The version you saw; refused if the record moved on.")
@JSON
@handled
def do(
    record: str,
    transition: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    version: int | None,
    as_json: bool,
) -> None:
    """Take a transition; one that needs a signature signs the version it writes."""
    setup_django()
    from atmp.workflow import engine
    from atmp.workflow.api import state_document

    user, password = user_and_password(username, password_file)
    target = _record(record, user)
    if not engine.check(user, target, transition).meaning:
        # A signed transition re-authenticates as it signs (and audits a failure as a signing attempt).
        from atmp.accounts import auth

        auth.reauthenticate(user, password, otp)
    engine.transition(user, target, transition, reason=reason, password=password, otp=otp, version=version)
    emit(state_document(user, target), as_json=as_json, text=_state_text)


@workflow.command("assign")
@click.argument("record")
@AS
@REASON
@click.option("--to", "assignee", default=None, help="The username of the person who takes the work.")
@click.option("--role", default="", help="Or a role that takes it (e.g. qa_reviewer).")
@click.option("--due", default=None, help="The due date, e.g. 2027-01-31.")
@OTP
@PASSWORD_FILE
@JSON
@handled
def assign(
    record: str,
    username: str,
    reason: str,
    assignee: str | None,
    role: str,
    due: str | None,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Assign the record to a person or a role, with a due date."""
    setup_django()
    from atmp.accounts import services
    from atmp.accounts.errors import InvalidInput
    from atmp.workflow import engine
    from atmp.workflow.api import state_document

    try:
        due_date = dt.date.fromisoformat(due) if due else None
    except ValueError:
        raise InvalidInput("due", f"{due!r} is not a date like 2027-01-31") from None
    user = authenticated_user(username, password_file=password_file, otp=otp)
    target = _record(record, user)
    who = services.find_user(assignee) if assignee else None
    engine.assign(user, target, reason=reason, assignee=who, role=role, due_date=due_date)
    emit(state_document(user, target), as_json=as_json, text=_state_text)


@workflow.command("link")
@click.argument("source")
@click.argument("relation")
@click.argument("target")
@AS
@click.option("--note", default="", help="What the link is about.")
@click.option("--reason", default="", help="Why the records are linked.")
@OTP
@PASSWORD_FILE
@JSON
@handled
def link(
    source: str,
    relation: str,
    target: str,
    username: str,
    note: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Link SOURCE to TARGET with RELATION (concerns, addresses, originates_from, revises, supports, …)."""
    setup_django()
    from atmp.workflow import links
    from atmp.workflow.api import link_document

    user = authenticated_user(username, password_file=password_file, otp=otp)
    src = _record(source, user)
    made = links.link(
        actor=user, source=src, target=links.resolve(target, user=user), relation=relation, note=note, reason=reason
    )
    shown = next(s for s in links.for_record(src) if s.link.pk == made.pk)
    emit(link_document(shown, src), as_json=as_json, text=lambda d: f"link {d['id']}: {source} {d['reads']} {target}")


@workflow.command("links")
@click.argument("record")
@AS
@JSON
@handled
def list_links(record: str, username: str, as_json: bool) -> None:
    """List the record's links both ways."""
    setup_django()
    from atmp.accounts import services
    from atmp.workflow import links
    from atmp.workflow.api import link_document

    user = services.find_user(username)
    rec = _record(record, user)
    rows = [link_document(s, rec) for s in links.for_record(rec, user=user)]
    emit(
        {"links": rows},
        as_json=as_json,
        text=lambda d: "\n".join(f"{r['id']:>5} {r['reads']} {r['other']}" for r in d["links"]) or "no links",
    )


@workflow.command("unlink")
@click.argument("link_id", type=int)
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def unlink(
    link_id: int, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Remove a link (it is voided with the reason; the ledger keeps it)."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.workflow import links
    from atmp.workflow.models import Link

    user = authenticated_user(username, password_file=password_file, otp=otp)
    row = Link.objects.filter(pk=link_id, voided=False).first()
    if row is None:
        raise InvalidInput("link", f"there is no live link {link_id}")
    links.unlink(actor=user, link_record=row, reason=reason)
    emit({"id": link_id, "voided": True}, as_json=as_json, text=f"link {link_id} removed")


def _work_text(doc: dict[str, Any]) -> str:
    lines = []
    for item in doc["items"]:
        flag = "OVERDUE " if item["overdue"] else ""
        due = f" due {item['due']}" if item["due"] else ""
        lines.append(f"{flag}{item['kind']:<9} {item['record']:<28} {item['title']} [{item['status']}]{due}")
    return "\n".join(lines) or f"nothing waits for {doc['user']}"


@click.command("work")
@click.option("--user", "username", required=True, help="Whose work: a username.")
@click.option("--on", "on", default=None, help="As of this date (default: today, UTC).")
@JSON
@handled
def work(username: str, on: str | None, as_json: bool) -> None:
    """List what waits for a person: assigned records, signatures, training due; overdue first."""
    setup_django()
    from atmp.accounts import services
    from atmp.accounts.errors import InvalidInput
    from atmp.workflow.work import work_for

    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise InvalidInput("on", f"{on!r} is not a date like 2027-01-31") from None
    user = services.find_user(username)
    items = [i.as_dict() for i in work_for(user, on=day)]
    emit({"user": user.username, "items": items}, as_json=as_json, text=_work_text)
