"""OOS investigations: opened with the result that does not conform (same change), their findings,
their closing by QA (signed), and the deviation a confirmed OOS opens.

FDA Guidance for Industry "Investigating Out-of-Specification (OOS) Test Results for Pharmaceutical
Production" (October 2006, revision 2 May 2022): phase I, the laboratory investigation; phase II, the
full-scale investigation when no assignable laboratory error is found; an invalidated result only on
an assignable cause. EU GMP Part I Chapter 6 §6.35: out-of-specification results are investigated
and documented (docs/lab.md, "OOS investigations").
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.lab.models import OosInvestigation, Result
from atmp.ledger import clock, writer
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow import engine, links


def all_investigations() -> QuerySet[OosInvestigation]:
    """Return every investigation (typed: the stubs read a workflow record's manager as its base's)."""
    return cast("QuerySet[OosInvestigation]", OosInvestigation.objects.all())


EDITABLE = {
    "phase_1_finding": lambda v: edits.text(v, "phase_1_finding"),
    "phase_2_finding": lambda v: edits.text(v, "phase_2_finding"),
}


def open_investigation(result: Result) -> OosInvestigation | None:
    """Return the open (not closed) investigation of the result or of a result it supersedes, if any."""
    seen: set[int] = set()
    row: Result | None = result
    while row is not None and row.pk not in seen:
        seen.add(row.pk)
        found = all_investigations().filter(result=row, voided=False).exclude(status="closed").first()
        if found is not None:
            return found
        row = row.supersedes
    return None


def open_for(ch: writer.Change, actor: User, result: Result) -> OosInvestigation:
    """Open the OOS investigation of a result out of specification, in the caller's change, linked to it.

    A retest that supersedes a result under investigation joins that investigation (linked) rather
    than opening another: the investigation decides on both (FDA OOS guidance §IV.B).
    """
    sample = result.sample
    previous = result.supersedes
    current = open_investigation(previous) if previous is not None else None
    if current is not None:
        links.link(actor=actor, source=current, target=result, relation="concerns", reason=ch.reason)
        return current
    batch = sample.batch
    title = f"{result.attribute.name} {result.reported} {result.attribute.unit} out of specification".replace("  ", " ")
    oos = OosInvestigation(
        site=sample.site,
        result=result,
        batch=batch,
        title=(title + (f", batch {batch.number}" if batch else ""))[:200],
    )
    oos.number = next_number(ch, OosInvestigation, "OOS", clock.now().year)
    ch.save(oos)
    links.link(actor=actor, source=oos, target=result, relation="concerns", reason=ch.reason)
    if batch is not None:
        links.link(actor=actor, source=oos, target=batch, relation="concerns", reason=ch.reason)
    return oos


def record_findings(
    *, actor: User, oos: OosInvestigation, reason: str, version: int | None = None, **changes: Any
) -> OosInvestigation:
    """Write a phase's finding (phase_1_finding, phase_2_finding) of an investigation not closed."""
    edits.check_may_edit(actor, oos, version=version)
    values = edits.check_fields(changes, EDITABLE)
    if "phase_2_finding" in values and oos.status == "phase_1":
        raise InvalidInput("phase_2_finding", "phase II has not started: conclude phase I first (escalate)")
    return edits.apply(actor=actor, record=oos, values=values, reason=reason)


def open_confirmed_deviation(*, actor: User, oos: OosInvestigation, reason: str) -> Any:
    """Open the deviation a confirmed OOS result is (quality's service), linked to the investigation."""
    from atmp.quality.services.deviations import open_deviation

    result = oos.result
    batch = oos.batch
    where = f"batch {batch.number}" if batch else f"sample {result.sample.number}"
    deviation = open_deviation(
        actor=actor,
        site=oos.site,
        title=f"Confirmed OOS: {result.attribute.name} in {where}"[:200],
        description=(
            f"{oos.number}: {result.attribute.name} was {result.reported} {result.attribute.unit} against "
            f"{result.attribute.criterion} ({result.specification}); phase I found no assignable laboratory error "
            f"and phase II confirmed the result. Phase II: {oos.phase_2_finding}"
        ),
        occurred_at=clock.now(),
        area="QC laboratory",
        immediate_actions=f"Opened by atmp when QA confirmed {oos.number}; the batch is not released.",
        source=oos,
        reason=reason,
    )
    if batch is not None:
        links.link(actor=actor, source=deviation, target=batch, relation="concerns", reason=reason)
    return deviation


def transition(actor: User, oos: OosInvestigation, name: str, **kwargs: Any) -> OosInvestigation:
    """Take a transition of the investigation (escalate, invalidate, confirm) through the workflow engine."""
    engine.transition(actor, oos, name, **kwargs)
    return oos


def find_oos(value: Any, *, user: User | None = None, field: str = "oos") -> OosInvestigation:
    """Return the investigation of the number (or id), one the user may see, or refuse naming the field."""
    text = str(value or "").strip()
    found = all_investigations().select_related("site", "result", "batch").filter(number=text).first()
    if found is None and text.isdecimal():
        found = all_investigations().select_related("site", "result", "batch").filter(pk=int(text)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no OOS investigation {text!r}")
    return found
