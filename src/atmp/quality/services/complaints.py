"""Complaints: intake, the records they concern, investigation and conclusion (EU GMP Part IV ch. 14, Quality
defects and product recalls).

A complaint that may describe an adverse reaction is flagged for pharmacovigilance: the PV Officers
of its site are notified, and the flag stays (GVP Module VI: a suspected reaction is never un-reported
by an edit); PV records its case reference in `pv_reference`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.ledger import writer
from atmp.ledger.errors import RuleViolation
from atmp.quality.models.complaints import Complaint, ComplaintSource
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow import links, notify
from atmp.workflow.engine import today
from atmp.workflow.models import Link, Relation

UNSET: Any = object()
OPEN = ("received", "investigation")


def _reference(value: str) -> str:
    return edits.no_personal_data(edits.text(value, "reporter_reference", limit=100), "reporter_reference")


def _received(value: dt.date | str) -> dt.date:
    received = edits.date(value, "received_date", required=True)
    assert received is not None
    if received > today():
        raise InvalidInput("received_date", "must not be in the future")
    return received


def _tell_pv(complaint: Complaint) -> None:
    notify.notify(
        to=notify.holders_of(Role.PV_OFFICER, site_id=complaint.site_id),
        subject=f"Possible adverse reaction: complaint {complaint.number}",
        body=(
            f"Complaint {complaint.number} ({complaint.title}) may describe an adverse reaction. "
            "Assess it for pharmacovigilance and record your case reference on the complaint."
        ),
        record=complaint,
    )


def open_complaint(
    *,
    actor: User,
    site: Site,
    title: str,
    received_date: dt.date | str,
    source: str,
    description: str,
    reporter_reference: str = "",
    possible_adverse_reaction: bool = False,
    concerns: Iterable[str] = (),
    reason: str = "",
) -> Complaint:
    """Record a complaint as received, linked to the products and batches it concerns (record keys)."""
    edits.check_writer(actor, Complaint, site=site)
    complaint = Complaint(
        site=site,
        title=edits.text(title, "title", required=True, limit=200),
        received_date=_received(received_date),
        source=edits.choice(source, "source", ComplaintSource.values),
        reporter_reference=_reference(reporter_reference),
        description=edits.text(description, "description", required=True),
        possible_adverse_reaction=bool(possible_adverse_reaction),
    )
    targets = [links.resolve(key, field="concerns", user=actor) for key in concerns]
    with writer.change(actor=actor, reason=reason) as ch:
        complaint.number = next_number(ch, Complaint, "CMP", complaint.received_date.year)
        ch.save(complaint)
        for target in targets:
            links.link(actor=actor, source=complaint, target=target, relation=Relation.CONCERNS, reason=reason)
        if complaint.possible_adverse_reaction:
            _tell_pv(complaint)
    return complaint


def update_complaint(
    *,
    actor: User,
    complaint: Complaint,
    reason: str,
    version: int | None,
    title: str = UNSET,
    description: str = UNSET,
    reporter_reference: str = UNSET,
    possible_adverse_reaction: bool = UNSET,
    pv_reference: str = UNSET,
    investigation: str = UNSET,
    conclusion: str = UNSET,
) -> Complaint:
    """Record the investigation and conclusion, or correct the intake, of an open complaint."""
    edits.check_may_edit(actor, complaint, version=version, states=OPEN)
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = edits.text(title, "title", required=True, limit=200)
    if description is not UNSET:
        values["description"] = edits.text(description, "description", required=True)
    if reporter_reference is not UNSET:
        values["reporter_reference"] = _reference(reporter_reference)
    if pv_reference is not UNSET:
        values["pv_reference"] = edits.text(pv_reference, "pv_reference", limit=100)
    if investigation is not UNSET:
        values["investigation"] = edits.text(investigation, "investigation")
    if conclusion is not UNSET:
        values["conclusion"] = edits.text(conclusion, "conclusion")
    newly_flagged = False
    if possible_adverse_reaction is not UNSET:
        flag = bool(possible_adverse_reaction)
        if complaint.possible_adverse_reaction and not flag:
            raise RuleViolation(
                f"{complaint.number} is flagged as a possible adverse reaction: the flag stays; "
                "pharmacovigilance records its assessment in pv_reference"
            )
        newly_flagged = flag and not complaint.possible_adverse_reaction
        values["possible_adverse_reaction"] = flag
    with writer.change(actor=actor, reason=reason):
        edits.apply(actor=actor, record=complaint, values=values, reason=reason)
        if newly_flagged:
            _tell_pv(complaint)
    return complaint


def add_concerned(*, actor: User, complaint: Complaint, target: str, reason: str = "") -> Link:
    """Link the complaint to a product, batch or lot it concerns (by record key)."""
    edits.check_may_edit(actor, complaint, version=None, states=OPEN)
    record = links.resolve(target, field="target", user=actor)
    return links.link(actor=actor, source=complaint, target=record, relation=Relation.CONCERNS, reason=reason)
