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
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.models.deviations import Deviation
from atmp.quality.services import edits
from atmp.quality.services.deviations import open_deviation

DUE_SOON_DAYS = 14  # My work lists a pull this many days before it is due


def _pull_deviation(actor: User, pull: StabilityPull, what: str, at: dt.datetime, reason: str) -> Deviation:
    """Open the deviation concerning a pull taken out of its window or missed (in the caller's change)."""
    study = pull.study
    first, last = pull.window()
    return open_deviation(
        actor=actor,
        site=study.site,
        title=f"Stability pull {what}: {study.number}, {pull}"[:200],
        description=(
            f"{study.number} ({study.title}), pull {pull.pk}: {pull}, due {pull.due_on.isoformat()}, "
            f"protocol window {first.isoformat()} to {last.isoformat()} (± {study.window_days} days): {what}. "
            "Recorded by atmp as it was entered."
        ),
        occurred_at=at,
        area="QC stability store",
        immediate_actions="Opened by atmp with the pull; QA assesses the impact on the study's data and shelf life.",
        source=pull,
        reason=reason,
    )


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
            first, last = pull.window()
            day = sample.taken_at.date()
            if not first <= day <= last:
                pull.out_of_window = True
                when = "early" if day < first else "late"
                pull.deviation = _pull_deviation(
                    actor, pull, f"taken out of window ({when}, on {day.isoformat()})", sample.taken_at, ch.reason
                )
            ch.save(pull)
    except BaseException:
        pull.refresh_from_db()
        raise
    return pull


def miss(*, actor: User, pull: StabilityPull, reason: str) -> StabilityPull:
    """Record a scheduled pull as missed, with the reason; a deviation concerning it is opened in the same change."""
    why = edits.text(reason, "reason", required=True, limit=500)
    check_write(actor, pull.study)
    if pull.state != PullState.SCHEDULED:
        raise RuleViolation(f"pull state: the pull is {PullState(pull.state).label.lower()}, not scheduled")
    pull.state = PullState.MISSED
    pull.note = why
    try:
        with writer.change(actor=actor, reason=why) as ch:
            pull.deviation = _pull_deviation(actor, pull, f"missed ({why})"[:120], clock.now(), why)
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
    """Return the pulls due within DUE_SOON_DAYS at a QC analyst's sites, as My work items: overdue past the window."""
    from atmp.accounts.visibility import visible_records
    from atmp.workflow.work import WorkItem

    if Role.QC_ANALYST not in user.roles():
        return []
    rows = StabilityPull.objects.filter(
        voided=False, state=PullState.SCHEDULED, study__status="running", due_on__lte=on + dt.timedelta(DUE_SOON_DAYS)
    ).select_related("study", "placement__batch", "condition")
    items = []
    for pull in visible_records(user, rows).order_by("due_on", "pk")[:500]:
        last = pull.window()[1]
        overdue = last < on
        items.append(
            WorkItem(
                kind="stability pull",
                record=pull.study.record_key,
                title=f"{pull.study.number}: pull {pull}",
                status=PullState(pull.state).label,
                due=pull.due_on,
                overdue=overdue,
                owner=None,
                detail=(
                    f"stability pull {'overdue' if overdue else 'due'} (pull {pull.pk}; "
                    f"window until {last.isoformat()})"
                ),
            )
        )
    return items
