"""`atmp quality document …` and `atmp quality training …`: controlled documents, versions and training."""

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

REASON = click.option("--reason", default="", help="Why (recorded in the ledger).")


@quality.group()
def document() -> None:
    """Controlled documents (SOP, policy, work instruction, form, specification, validation) and their versions.

    \b
    A version moves through `atmp workflow do quality.documentversion:ID submit|approve|make_effective|retire`.
    Examples:
      atmp quality document add --title "Aseptic gowning" --type sop --as rita
      atmp quality document version SOP-0001 --summary "first issue" --effective 2027-01-04 --as rita
      atmp quality document list --json
    """


@quality.group()
def training() -> None:
    """Training requirements, read-and-understood signatures, each person's status and the matrix.

    \b
    Examples:
      atmp quality training require SOP-0001 --role operator --as alex
      atmp quality training sign SOP-0001 --as olga
      atmp quality training status --user olga --json
      atmp quality training matrix --site LEI --json
    """


def _date(field: str, text: str | None) -> dt.date | None:
    from atmp.accounts.errors import InvalidInput

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a date like 2027-01-31") from None


def _moment(text: str | None) -> dt.datetime:
    from atmp.accounts.errors import InvalidInput
    from atmp.ledger import clock

    if not text:
        return clock.now()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("at", f"{text!r} is not a date or time like 2027-01-31 or 2027-01-31T12:00:00Z") from None
    if moment.tzinfo is None:
        # A date alone means the end of that day (UTC): what stood at the close of it.
        moment = (moment + dt.timedelta(days=1, microseconds=-1) if len(text) == 10 else moment).replace(tzinfo=dt.UTC)
    return moment


def _document(ref: str) -> Any:
    """Return the document named by number (SOP-0001) or id, or refuse naming it."""
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.models.documents import Document

    found = Document.objects.filter(number=ref.strip()).first()
    if found is None and ref.strip().isdecimal():
        found = Document.objects.filter(pk=int(ref)).first()
    if found is None or found.voided:
        raise InvalidInput("document", f"there is no document {ref!r}")
    return found


def _site(code: str | None) -> Any:
    from atmp.accounts import services

    return services.find_site(code) if code else None


def _document_row(d: Any) -> dict[str, Any]:
    from atmp.quality.api.documents import document_document

    return document_document(d)


def _document_text(d: dict[str, Any]) -> str:
    v = d["effective_version"]
    in_force = f"v{v['label']} effective {v['effective_date']}" if v else "no effective version"
    return f"{d['number']:<12} {d['title']}  ({d['document_type']}, {in_force})"


def _jsonable(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _jsonable(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_jsonable(v) for v in doc]
    if isinstance(doc, dt.date | dt.datetime):
        return doc.isoformat()
    return doc


@document.command("add")
@click.option("--title", required=True)
@click.option(
    "--type", "document_type", required=True, help="sop, policy, work_instruction, form, specification or validation."
)
@click.option("--owner", default=None, help="The owner's username (you, by default).")
@click.option("--site", default=None, help="The site code; none: a company-wide document.")
@click.option("--review-months", type=int, default=24, show_default=True, help="Periodic review interval.")
@click.option("--number", default="", help="A given number; by default the next of the type (SOP-0001 …).")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def add_document(
    title: str,
    document_type: str,
    owner: str | None,
    site: str | None,
    review_months: int,
    number: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Register a controlled document."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.services import documents

    actor = authenticated_user(username, password_file=password_file, otp=otp)
    made = documents.add_document(
        actor=actor,
        title=title,
        document_type=document_type,
        owner=accounts.find_user(owner) if owner else actor,
        site=_site(site),
        review_interval_months=review_months,
        number=number,
        reason=reason,
    )
    emit(_jsonable(_document_row(made)), as_json=as_json, text=_document_text)


@document.command("list")
@click.option("--type", "document_type", default=None, help="Only documents of this type.")
@click.option("--site", default=None, help="Only documents of this site (and company-wide ones).")
@VOIDED
@JSON
@handled
def list_documents(document_type: str | None, site: str | None, voided: bool, as_json: bool) -> None:
    """List controlled documents with the version in force."""
    setup_django()
    from django.db.models import Q

    from atmp.quality.api.paging import shown
    from atmp.quality.models.documents import Document

    rows = shown(Document.objects.select_related("site", "owner"), voided=voided)
    if document_type:
        rows = rows.filter(document_type=document_type)
    where = _site(site)
    if where is not None:
        rows = rows.filter(Q(site=where) | Q(site__isnull=True))
    docs = [_jsonable(_document_row(d)) for d in rows.order_by("number")]
    emit(
        {"documents": docs},
        as_json=as_json,
        text=lambda d: "\n".join(map(_document_text, d["documents"])) or "no documents",
    )


@document.command("version")
@click.argument("document_ref", metavar="DOCUMENT")
@click.option("--summary", "change_summary", default="", help="What changes in this version.")
@click.option("--effective", "effective_date", default=None, help="The date it takes effect, e.g. 2027-01-31.")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def add_version(
    document_ref: str,
    change_summary: str,
    effective_date: str | None,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Start the next version of DOCUMENT (its number or id) as a draft."""
    setup_django()
    from atmp.quality.api.documents import version_document
    from atmp.quality.services import documents

    when = _date("effective_date", effective_date)
    actor = authenticated_user(username, password_file=password_file, otp=otp)
    made = documents.add_version(
        actor=actor, document=_document(document_ref), change_summary=change_summary, effective_date=when, reason=reason
    )
    emit(
        _jsonable(version_document(made)),
        as_json=as_json,
        text=lambda d: f"{d['record']}: version {d['label']} of {document_ref}, {d['status']}",
    )


@training.command("require")
@click.argument("document_ref", metavar="DOCUMENT")
@click.option("--role", default="", help="The role that must be trained (e.g. operator).")
@click.option("--user", "trainee", default=None, help="Or the username of one person who must be.")
@click.option("--site", default=None, help="Only the role at this site.")
@click.option("--grace-days", type=int, default=30, show_default=True, help="Days after the effective date to train.")
@click.option("--note", default="")
@AS
@REASON
@OTP
@PASSWORD_FILE
@JSON
@handled
def require(
    document_ref: str,
    role: str,
    trainee: str | None,
    site: str | None,
    grace_days: int,
    note: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Require training on DOCUMENT of a role or a person."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.documents import requirement_document
    from atmp.quality.services import documents

    actor = authenticated_user(username, password_file=password_file, otp=otp)
    made = documents.add_requirement(
        actor=actor,
        document=_document(document_ref),
        role=role,
        user=accounts.find_user(trainee) if trainee else None,
        site=_site(site),
        grace_days=grace_days,
        note=note,
        reason=reason,
    )
    emit(requirement_document(made), as_json=as_json, text=lambda d: f"{d['record']}: {d['document_number']} required")


@training.command("sign")
@click.argument("document_ref", metavar="DOCUMENT")
@AS
@OTP
@PASSWORD_FILE
@JSON
@handled
def sign(document_ref: str, username: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Sign DOCUMENT's effective version 'Read and understood' (an e-signature: your password is asked)."""
    setup_django()
    from atmp.ledger.errors import RuleViolation
    from atmp.quality.api.documents import training_record_document
    from atmp.quality.services import documents

    user, password = user_and_password(username, password_file)
    doc = _document(document_ref)
    version = doc.effective_version()
    if version is None:
        raise RuleViolation(f"{doc.number} has no effective version: there is nothing to read and understand yet")
    made = documents.read_and_understood(actor=user, version=version, password=password, otp=otp)
    emit(
        _jsonable(training_record_document(made)),
        as_json=as_json,
        text=lambda d: f"{d['user']} read and understood {d['document_number']} version {d['version_label']}",
    )


@training.command("status")
@click.option("--user", "trainee", required=True, help="The username.")
@click.option("--at", default=None, help="As of this date or time (UTC); now by default.")
@JSON
@handled
def status(trainee: str, at: str | None, as_json: bool) -> None:
    """Show a person's required documents, each trained, due or overdue."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.quality.api.documents import status_document
    from atmp.quality.selectors import documents as selectors

    person = accounts.find_user(trainee)
    moment = _moment(at)
    doc = _jsonable(status_document(person, moment, selectors.training_status(person, moment)))
    emit(
        doc,
        as_json=as_json,
        text=lambda d: (
            "\n".join(
                f"{i['document_number']:<12} v{i['version_label']:<4} {i['state']:<8} due {i['due']}"
                for i in d["items"]
            )
            or f"{trainee} has no required training"
        ),
    )


@training.command("matrix")
@click.option("--site", default=None, help="Only this site's people and requirements.")
@click.option("--at", default=None, help="As of this date or time (UTC); now by default.")
@JSON
@handled
def matrix(site: str | None, at: str | None, as_json: bool) -> None:
    """Show the training matrix: people × required documents, and the compliance ratio."""
    setup_django()
    from atmp.quality.api.documents import matrix_document
    from atmp.quality.selectors import documents as selectors

    where = _site(site)
    moment = _moment(at)
    doc = _jsonable(matrix_document(selectors.training_matrix(where, moment), at=moment, site=where))

    def text(d: dict[str, Any]) -> str:
        lines = [f"{d['trained']}/{d['required']} trained ({d['overdue']} overdue), compliance {d['compliance']}"]
        lines += [f"  {c['user']:<16} {c['document']:>6} {c['state']}" for c in d["cells"]]
        return "\n".join(lines)

    emit(doc, as_json=as_json, text=text)
