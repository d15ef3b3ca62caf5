"""Stability studies: taking, missing and testing pulls; the pulls on My work (ADR 0029)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.roles import Role
from atmp.lab.models import (
    PullState,
    Result,
    StabilityAttribute,
    StabilityPull,
)
from atmp.lab.services.stability.records import attributes, check_write
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.services import edits

DUE_SOON_DAYS = 14  # My work lists a pull this many days before it is due


def _running(pull: StabilityPull, what: str) -> None:
    study = pull.study
    if study.status != "running":
        raise Conflict(f"{study.number} is {study.state_label().lower()}: {what} while the study runs")


def pull_sample(
    *,
    actor: User,
    pull: StabilityPull,
    quantity: Any = "1",
    unit: str = "mL",
    location: str = "QC stability store",
    taken_at: Any = None,
    reason: str = "",
) -> StabilityPull:
    """Pull a scheduled time point: a stability sample of the batch, received in the lab, linked to the pull."""
    from atmp.lab.services import results

    _running(pull, "pulls are taken")
    if pull.state != PullState.SCHEDULED:
        raise RuleViolation(f"pull state: the pull is {PullState(pull.state).label.lower()}, not scheduled")
    batch = pull.placement.batch
    storage = pull.condition.get_condition_display()
    try:
        with writer.change(actor=actor, reason=reason or f"{pull.study.number}: {pull} pulled") as ch:
            sample = results.add_sample(
                actor=actor, site=pull.study.site, batch=batch, purpose="stability", quantity=quantity, unit=unit,
                taken_by=actor.username, taken_at=taken_at, storage=storage, reason=ch.reason,
                note=f"{pull.study.number} {storage}, {pull.months} months",
            )  # fmt: skip
            results.receive(actor=actor, sample=sample, location=location, reason=ch.reason)
            pull.sample = sample
            pull.state = PullState.PULLED
            ch.save(pull)
    except BaseException:
        pull.refresh_from_db()
        raise
    return pull


def miss(*, actor: User, pull: StabilityPull, reason: str) -> StabilityPull:
    """Record a scheduled pull as missed, with the reason (a deviation follows under the site's procedure)."""
    why = edits.text(reason, "reason", required=True, limit=500)
    check_write(actor, pull.study)
    if pull.state != PullState.SCHEDULED:
        raise RuleViolation(f"pull state: the pull is {PullState(pull.state).label.lower()}, not scheduled")
    pull.state = PullState.MISSED
    pull.note = why
    try:
        with writer.change(actor=actor, reason=why) as ch:
            ch.save(pull)
    except BaseException:
        pull.refresh_from_db()
        raise
    return pull


def record(*, actor: User, pull: StabilityPull, attribute: Any, value: Any, reason: str = "", **fields: Any) -> Result:
    """Enter a result of a pulled sample for a protocol attribute (services.results); tested once all are in."""
    from atmp.lab.services import results

    _running(pull, "results are entered")
    if pull.sample is None or pull.state not in (PullState.PULLED, PullState.TESTED):
        raise RuleViolation("pull state: pull the time point first (its sample is taken then)")
    rows = attributes(pull.study)
    text = attribute.attribute.name if isinstance(attribute, StabilityAttribute) else str(attribute or "").strip()
    chosen = next(
        (a for a in rows if text.lower() in (a.attribute.name.lower(), str(a.position))),
        None,
    )
    if chosen is None:
        raise InvalidInput(
            "attribute",
            f"attribute not in the protocol: {text!r}; attributes: "
            + ", ".join(f"{a.position} {a.attribute.name}" for a in rows),
        )
    try:
        with writer.change(actor=actor, reason=reason or f"{pull.study.number}: {pull}") as ch:
            result = results.record_result(
                actor=actor, sample=pull.sample, attribute=chosen.attribute.name, value=value, reason=ch.reason,
                **fields,
            )  # fmt: skip
            done = {r.attribute.name.lower() for r in results.live_results(pull.sample)}
            if pull.state == PullState.PULLED and all(a.attribute.name.lower() in done for a in rows):
                pull.state = PullState.TESTED
                ch.save(pull)
    except BaseException:
        pull.refresh_from_db()
        raise
    return result


# --- My work ------------------------------------------------------------------------------------


def pull_work(user: User, on: dt.date) -> list[Any]:
    """Return the pulls due within DUE_SOON_DAYS or overdue at a QC analyst's sites, as My work items."""
    from atmp.accounts.visibility import visible_records
    from atmp.workflow.work import WorkItem

    if Role.QC_ANALYST not in user.roles():
        return []
    rows = StabilityPull.objects.filter(
        voided=False, state=PullState.SCHEDULED, study__status="running", due_on__lte=on + dt.timedelta(DUE_SOON_DAYS)
    ).select_related("study", "placement__batch", "condition")
    items = []
    for pull in visible_records(user, rows).order_by("due_on", "pk")[:500]:
        overdue = pull.due_on < on
        items.append(
            WorkItem(
                kind="stability pull",
                record=pull.study.record_key,
                title=f"{pull.study.number}: pull {pull}",
                status=PullState(pull.state).label,
                due=pull.due_on,
                overdue=overdue,
                owner=None,
                detail=f"stability pull {'overdue' if overdue else 'due'} (pull {pull.pk})",
            )
        )
    return items
