"""`atmp ledger review …`: audit-trail reviews from the command line (Annex 11 §9, PIC/S PI 041 §9.4).

The same services as the audit page and POST /api/v1/ledger/reviews: a review freezes the entries a
selection holds (the reviewer's own left out, for a second reviewer), then its reviewer signs it
"audit trail reviewed" with the outcome. `--with-parts` selects a record with the records it is made
of, e.g. a batch with its steps and entries, which QP certification asks to be reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django, user_and_password
from atmp.cli.base import json_option as JSON
from atmp.cli.base import otp_option as OTP
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit, fail


@click.group()
def review() -> None:
    """Audit-trail reviews: start one over a selection, sign it with its outcome, see what is not reviewed.

    \b
    Examples (a batch with its steps and entries):
      atmp ledger review start --record-type manufacturing.batch --record-id 1 --with-parts \\
          --comment "batch record trail before certification" --as rita
      atmp ledger review sign 7 --outcome no_findings --as rita
      atmp ledger review pending --record-type manufacturing.batch --record-id 1 --with-parts --json
    """


def _selection_options(command: Any) -> Any:
    for option in reversed(
        (
            click.option("--record-type", help="Entries of this record type, e.g. manufacturing.batch."),
            click.option("--record-id", help="Entries of this record id."),
            click.option(
                "--with-parts", is_flag=True, help="With --record-type and --record-id: the record's parts too."
            ),
            click.option("--actor", help="Entries by this user (username or user id)."),
            click.option("--action", help="Entries with this action; '-sign-ins' for every GMP change."),
            click.option("--since", help="Entries at or after this time (RFC 3339; a date means its midnight UTC)."),
            click.option("--until", help="Entries before this time (RFC 3339)."),
        )
    ):
        command = option(command)
    return command


def _selection(options: dict[str, Any]) -> Any:
    """Return the TrailFilter the options name, or fail naming the option at fault."""
    from atmp.ledger import selectors, trail
    from atmp.ledger.errors import NotFound

    try:
        actor_id = selectors.actor_id_of(options["actor"]) if options["actor"] else None
    except NotFound as exc:
        fail(f"--actor: {exc}")
    try:
        since = trail.parse_time(options["since"], "--since") if options["since"] else None
        until = trail.parse_time(options["until"], "--until") if options["until"] else None
    except ValueError as exc:
        fail(str(exc))
    try:
        return trail.TrailFilter(
            record_type=options["record_type"] or None,
            record_id=options["record_id"] or None,
            with_parts=options["with_parts"],
            actor_id=actor_id,
            action=options["action"] or None,
            since=since,
            until=until,
        )
    except trail.FilterRefused as exc:
        if exc.field == "with_parts":
            fail("--with-parts: give --record-type and --record-id of the record whose parts to include")
        fail(str(exc))


def _document(r: Any) -> dict[str, Any]:
    fields = ("first_seq", "last_seq", "entry_count", "excluded_count", "entries_hash", "outcome", "findings")
    return {"record": r.record_key, "id": r.pk, "version": r.version, "status": r.status} | {
        k: getattr(r, k) for k in fields
    }


@review.command("start")
@_selection_options
@click.option("--comment", required=True, help="What you reviewed.")
@AS
@OTP
@PASSWORD_FILE
@JSON
@handled
def start(
    comment: str, username: str, otp: str | None, password_file: Path | None, as_json: bool, **options: Any
) -> None:
    """Record a review over the entries the selection holds now; then sign it with `review sign`."""
    setup_django()
    from atmp.accounts import visibility
    from atmp.ledger import reviews

    if not comment.strip():
        fail("--comment: say what you reviewed")
    user = authenticated_user(username, password_file=password_file, otp=otp)
    made = reviews.start_review(
        actor=user, filter=_selection(options), comment=comment, visible=visibility.entry_scope(user)
    )
    emit(
        _document(made),
        as_json=as_json,
        text=lambda d: (
            f"{d['record']}: {d['entry_count']} entries (seq {d['first_seq']}–{d['last_seq']}), "
            f"{d['excluded_count']} of your own left out; sign it: atmp ledger review sign {d['id']} --outcome …"
        ),
    )


@review.command("sign")
@click.argument("review_id", type=int)
@click.option("--outcome", required=True, type=click.Choice(["no_findings", "findings"]), help="What you found.")
@click.option("--findings", default="", help="With --outcome findings: what, and the deviation or CAPA that follows.")
@AS
@OTP
@PASSWORD_FILE
@JSON
@handled
def sign(
    review_id: int,
    outcome: str,
    findings: str,
    username: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Sign review REVIEW_ID "audit trail reviewed" with its outcome (an e-signature: your password is asked)."""
    setup_django()
    from atmp.accounts import signing
    from atmp.ledger.models import AuditTrailReview

    made = AuditTrailReview.objects.filter(pk=review_id, voided=False).first()
    if made is None:
        fail(f"review: there is no audit-trail review {review_id}")
    user, password = user_and_password(username, password_file)
    signing.sign(
        signer=user,
        record=made,
        meaning="audit_trail_reviewed",
        password=password,
        otp=otp,
        outcome=outcome,
        findings=findings,
    )
    made.refresh_from_db()
    emit(_document(made), as_json=as_json, text=lambda d: f"{d['record']} reviewed: {d['outcome']}")


@review.command("pending")
@_selection_options
@JSON
@handled
def pending(as_json: bool, **options: Any) -> None:
    """List the entries of the selection that no signed review covers yet."""
    setup_django()
    from atmp.ledger import reviews

    total, seqs = reviews.review_state(_selection(options))
    emit(
        {"entries": total, "unreviewed": len(seqs), "unreviewed_seqs": seqs},
        as_json=as_json,
        text=lambda d: (
            f"{d['entries']} entries, {d['unreviewed']} not covered by a signed review"
            + (f": seq {', '.join(map(str, seqs[:20]))}{' …' if len(seqs) > 20 else ''}" if seqs else "")
        ),
    )
