"""A document version's workflow: draft → in review → approved → effective (on its date) → superseded or retired.

EU GMP Chapter 4 §4.3 (documents approved, signed and dated by authorised persons), §4.5 (reviewed and
kept up to date; the superseded version withdrawn from use); ICH Q10 §2.5 (document control).
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

SUPERSEDE = "supersede"  # the last_transition of a version that a newer effective version replaced


def version_has_file(version: Any) -> str | None:
    """Return the rule a version without its document file breaks, or None when it carries one."""
    from atmp.files.selectors import attachments_of

    if attachments_of(version).exists():
        return None
    return "attach the document's file to this version first (EU GMP Chapter 4: the approved text is kept)"


def _approval_stands(version: Any) -> str | None:
    from atmp.ledger import signatures

    if signatures.current(version, "approved"):
        return None
    return (
        "a document version is made effective only with a standing QA approval signature "
        "(EU GMP Chapter 4 §4.3): approve it first, or again after its content changed"
    )


def _effective_date_reached(version: Any) -> str | None:
    from atmp.workflow.engine import today

    if version.effective_date is None:
        return "the effective date must be set before the version is made effective"
    now = today()
    if now < version.effective_date:
        return f"the version becomes effective on {version.effective_date}, not before (today is {now} UTC)"
    return None


def _newest_to_take_effect(version: Any) -> str | None:
    newer = (
        type(version)
        ._base_manager.filter(document_id=version.document_id, pk__gt=version.pk, voided=False)
        .filter(status__in=("effective", "superseded", "retired"))
        .first()
    )
    if newer is not None:
        return f"version {newer.label} is newer and has already been in force: an older version cannot replace it"
    return None


def supersede_previous(ch: Any, version: Any, actor: Any) -> None:
    """Move the document's previously effective version to superseded, in the change that makes this one effective."""
    ch.hold()  # under the ledger's lock: two versions made effective at once cannot both stay effective
    previous = (
        type(version)
        ._base_manager.filter(document_id=version.document_id, status="effective", voided=False)
        .exclude(pk=version.pk)
    )
    for old in previous:
        old.status = "superseded"
        old.last_transition = SUPERSEDE
        ch.save(old, action="transition")


DOCUMENT_VERSION_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved"),
        State("effective", "Effective"),
        State("superseded", "Superseded", final=True),
        State("retired", "Retired", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "submit",
            "Submit for review",
            ("draft",),
            "in_review",
            required=("change_summary", "effective_date"),
            preconditions=(version_has_file,),
            help="The author sends the version to QA with what changed and when it takes effect.",
        ),
        Transition("return", "Return to draft", ("in_review",), "draft", permission="quality.decide"),
        Transition(
            "approve",
            "Approve",
            ("in_review",),
            "approved",
            permission="quality.decide",
            preconditions=(version_has_file,),
            meaning="approved",
            help="A QA Approver other than the author signs the version 'Approved'.",
        ),
        Transition(
            "make_effective",
            "Make effective",
            ("approved",),
            "effective",
            permission="quality.decide",
            required=("effective_date",),
            preconditions=(_approval_stands, _effective_date_reached, _newest_to_take_effect, version_has_file),
            effects=(supersede_previous,),
            help="On or after its effective date; the version it replaces becomes superseded in the same change.",
        ),
        Transition("retire", "Retire", ("effective",), "retired", permission="quality.decide"),
        Transition("cancel", "Cancel", ("draft", "in_review"), "cancelled"),
    ),
)
