"""The QP's disposition of a batch: certify, release before all results are in, reject; and the alert a late
failing result raises (issue 15 item 8; EU GMP Part IV ch. 11, Qualified person and batch release; the
principles of Annex 16; ADR 0028).

Every decision is refused, nothing written, with every failing check named (atmp.lab.services.certification).
The disposition record is opened by atmp itself (the system actor) the first time a QP decides, inside the
QP's signed change, so that no person authors it and the QP's signature on it stays independent (ADR 0005,
0028), and a refused signature leaves no disposition behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import QuerySet

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import RoleAssignment, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.lab.models import BatchDisposition, LateResultAlert, Result
from atmp.lab.services import certification
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.manufacturing.models import Batch
from atmp.quality.services import edits
from atmp.workflow import engine


def dispositions() -> QuerySet[BatchDisposition]:
    """Return every disposition (typed: the stubs read a workflow record's manager as its base's)."""
    return cast("QuerySet[BatchDisposition]", BatchDisposition.objects.all())


def disposition_of(batch: Batch) -> BatchDisposition | None:
    """Return the batch's disposition record, or None when no QP has decided on it yet."""
    return dispositions().filter(batch=batch, voided=False).select_related("batch").first()


def _check_qp(actor: User, batch: Batch) -> None:
    if batch.voided or not can_see(actor, batch):
        raise InvalidInput("batch", "name a live batch of your sites")
    if Role.QUALIFIED_PERSON not in actor.roles():
        raise NotAllowed(
            "a batch's disposition is the Qualified Person's decision (EU GMP Part IV ch. 11; Annex 16 §1)"
        )
    why = certification.involvement(batch, actor)
    if why:
        raise RuleViolation(why)


def _to_open(batch: Batch) -> BatchDisposition:
    """Return the batch's disposition, or a new one not yet written (the decision's change opens it)."""
    return disposition_of(batch) or BatchDisposition(batch=batch, status=BatchDisposition.workflow.initial)


def opening_reason(batch: Batch, reason: str) -> str:
    """Return the reason atmp opens the batch's disposition with (the entry of its first version)."""
    return f"disposition of batch {batch.number} opened: {reason}"[:500]


def _decide(actor: User, batch: Batch, name: str, *, reason: str, password: str, otp: str | None) -> BatchDisposition:
    why = edits.text(reason, "reason", required=True, limit=2000)
    if not password:
        raise InvalidInput("password", "the disposition is signed: give your password to sign")
    disposition = _to_open(batch)
    opening = opening_reason(batch, why)
    engine.transition(actor, disposition, name, reason=why, password=password, otp=otp, opening=opening)
    return disposition


def _open_or_none(batch: Batch) -> BatchDisposition | None:
    found = disposition_of(batch)
    if found is not None and engine.workflow_of(found).is_final(found.status):
        raise Conflict(f"batch {batch.number} is {found.state_label().lower()} already: its disposition is final")
    return found


def certify(*, actor: User, batch: Batch, password: str, reason: str = "", otp: str | None = None) -> BatchDisposition:
    """Certify the batch (signed 'QP certified'), or refuse naming every check that does not pass."""
    _check_qp(actor, batch)
    _open_or_none(batch)
    refused = certification.refusal(certification.checks(batch))
    if refused:
        raise RuleViolation(refused)
    return _decide(
        actor, batch, "certify", reason=reason or f"batch {batch.number} certified", password=password, otp=otp
    )


def plan(batch: Batch, expected: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the pending tests of the batch with their expected dates (by attribute position or name), or refuse."""
    found = certification.results_check(batch)
    pending = list(found.pending)
    today = clock.now().date()
    given: dict[int, dt.date] = {}
    for key, value in (expected or {}).items():
        text = str(key).strip()
        match = next(
            (p for p in pending if str(p["position"]) == text or str(p["attribute"]).lower() == text.lower()), None
        )
        if match is None:
            names = ", ".join(f"{p['position']} {p['attribute']}" for p in pending) or "none"
            raise InvalidInput("expected", f"{text!r} is not a pending test of batch {batch.number}; pending: {names}")
        day = edits.date(value, "expected")
        if day is None:
            continue
        if day < today:
            raise InvalidInput("expected", f"{match['attribute']}: the expected date {day.isoformat()} has passed")
        given[int(match["position"])] = day
    missing = [f"{p['position']} {p['attribute']}" for p in pending if int(p["position"]) not in given]
    if pending and missing:
        raise InvalidInput(
            "expected",
            "expected date missing: a conditional release lists every pending test with its expected date "
            "(EU GMP Part IV ch. 11, 'batch release prior to obtaining the results of quality control tests'); "
            f"none given for {', '.join(missing)}",
        )
    return [
        {"attribute": p["attribute"], "position": p["position"], "expected_on": given[int(p["position"])].isoformat()}
        for p in pending
    ]


def release_conditionally(
    *,
    actor: User,
    batch: Batch,
    expected: dict[str, Any],
    password: str,
    reason: str = "",
    otp: str | None = None,
) -> BatchDisposition:
    """Release the batch before every result is in (signed), listing each pending test and its expected date."""
    _check_qp(actor, batch)
    current = _open_or_none(batch)
    if current is not None and current.status != "open":
        raise Conflict(f"batch {batch.number} is {current.state_label().lower()} already")
    refused = certification.conditional_refusal(certification.checks(batch), None)
    if refused:
        raise RuleViolation(refused)
    tests = plan(batch, expected)
    disposition = _to_open(batch)
    disposition._plan = tests  # type: ignore[attr-defined]  # frozen into `pending` by the transition
    try:
        why = edits.text(reason or f"batch {batch.number} released before all results are in", "reason", limit=2000)
        if not password:
            raise InvalidInput("password", "the disposition is signed: give your password to sign")
        opening = opening_reason(batch, reason or "conditional release")
        engine.transition(
            actor, disposition, "release_conditionally", reason=why, password=password, otp=otp, opening=opening
        )
    finally:
        del disposition._plan  # type: ignore[attr-defined]
    return disposition


def reject(*, actor: User, batch: Batch, password: str, reason: str, otp: str | None = None) -> BatchDisposition:
    """Reject the batch (the QP's signed decision): it is not released."""
    _check_qp(actor, batch)
    _open_or_none(batch)
    if not str(reason or "").strip():
        raise InvalidInput("reason", "say why the batch is rejected")
    return _decide(actor, batch, "reject", reason=reason, password=password, otp=otp)


def find_disposition_batch(value: Any, *, user: User | None = None) -> Batch:
    """Return the batch of the number (one the user may see), or refuse naming the field."""
    from atmp.manufacturing.services.batches import find_batch

    return find_batch(value, user=user)


# --- a result after a conditional release ---------------------------------------------------------


def administrations_of(batch: Batch) -> list[dict[str, Any]]:
    """Return the administrations of the batch's product lots (its output lot and every lot made from it)."""
    from atmp.trace.models import Administration
    from atmp.trace.selectors.genealogy import forward

    lot_ids = {batch.output_lot_id, *(lot.id for lot in forward(batch.output_lot).lots if lot.id)}
    rows = Administration.objects.filter(lot_id__in=lot_ids, voided=False).select_related("lot", "patient__site")
    return [
        {
            "record": a.record_key,
            "lot": a.lot.number,
            "patient_coi": a.patient.coi,
            "at": a.at.isoformat(),
            "site": a.patient.site.code,
            "site_id": a.patient.site_id,
        }
        for a in rows.order_by("at", "pk")
    ]


def late_result(ch: writer.Change, actor: User, result: Result) -> LateResultAlert | None:
    """Raise the alert of a failing result of a conditionally released batch, in the caller's change (or nothing).

    EU GMP Part IV ch. 11, 'batch release prior to obtaining the results of quality control tests', and Annex 16
    §3: when a result obtained after release is out of specification, the QP and the treating site are told at
    once, with what was given to whom (the trace administrations).
    """
    # Every result passes here: one indexed query by the batch's id, the batch itself read only when
    # it was released before its results.
    batch_id = result.sample.batch_id
    if batch_id is None:
        return None
    conditional = dispositions().filter(batch_id=batch_id, voided=False, status="conditional")
    # Nearly always none: a narrow read decides it, the record is read only when there is one.
    found = conditional.values_list("pk", flat=True).first()
    if found is None:
        return None
    disposition = conditional.select_related("batch").get(pk=found)
    batch = disposition.batch  # read with it
    _mark_arrived(ch, disposition, result)
    if result.conforms is not False:
        return None
    from atmp.workflow.notify import holders_of, notify

    given = administrations_of(batch)
    attribute = result.attribute
    message = alert_text(batch, result, given)
    qps = holders_of(Role.QUALIFIED_PERSON, site_id=batch.site_id)
    sites = sorted({a["site_id"] for a in given})
    treating = (
        sorted(
            {
                r.user
                for r in RoleAssignment.in_force()
                .filter(site_id__in=sites)
                .exclude(role__in=(Role.SYSTEM_ADMIN, Role.INSPECTOR))
                .select_related("user")
                if r.user.is_active
            },
            key=lambda u: u.pk,
        )
        if sites
        else []
    )
    people = {u.pk: u for u in [*qps, *treating]}
    alert = LateResultAlert(
        disposition=disposition,
        result=result,
        administrations=[{k: v for k, v in a.items() if k != "site_id"} for a in given],
        notified=sum(1 for u in people.values() if u.email),
        message=message[:4000],
    )
    ch.save(alert)
    notify(
        to=people.values(),
        subject=f"Late failing result: batch {batch.number} ({attribute.name})",
        body=message,
        record=alert,
    )
    return alert


def _with_unit(value: str, unit: str) -> str:
    return f"{value} {unit}" if unit else value


def alert_text(batch: Batch, result: Result, given: list[dict[str, Any]]) -> str:
    """Return the alert's text: the batch, the test, the value as entered with its unit, the verdict, the
    criterion, then what was administered (the e-mail, the page and the API all show this text)."""
    attribute = result.attribute
    entered = _with_unit(result.value_entered, result.unit)
    criterion = _with_unit(attribute.criterion, attribute.unit)
    administered = ", ".join(f"{a['lot']} to {a['patient_coi']} at {a['site']} on {a['at'][:10]}" for a in given)
    return (
        f"{batch.number}: {attribute.name} gave '{entered}' — does not conform to '{criterion}'. "
        f"The batch was released before all results were in. "
        f"{len(given)} administration(s) of its product: {administered or 'none'}."
    )


def _mark_arrived(ch: writer.Change, disposition: BatchDisposition, result: Result) -> None:
    """Note on the conditional release that a pending test's result came (its id, day and verdict).

    The disposition then has a new version: the QP who signed the conditional release signs the final
    certification on it (one person gives one meaning per version, ADR 0012), and its history shows
    when each pending result arrived.
    """
    attribute = result.attribute
    waited = [
        p for p in disposition.pending or []
        if int(p.get("position", -1)) == attribute.position or str(p.get("attribute")) == attribute.name
    ]  # fmt: skip
    if waited:
        disposition.arrived = [
            *(disposition.arrived or []),
            {"attribute": attribute.name, "position": attribute.position, "result": result.pk,
             "arrived_on": clock.now().date().isoformat(), "conforms": result.conforms},
        ]  # fmt: skip
        ch.save(disposition)


def alerts_of(disposition: BatchDisposition) -> list[LateResultAlert]:
    """Return the disposition's late-result alerts, newest first."""
    return list(
        LateResultAlert.objects.filter(disposition=disposition, voided=False).select_related("result__attribute")
    )


def document(batch: Batch) -> dict[str, Any]:
    """Return the batch's disposition as a JSON document: its state, the checks, the pending tests (and the
    results that came for them since), the alerts."""
    found = certification.checks(batch)
    disposition = disposition_of(batch)
    return {
        "batch": batch.number,
        "record": disposition.record_key if disposition else None,
        "status": disposition.status if disposition else "open",
        "state": disposition.state_label() if disposition else "Open: awaiting the QP",
        "decided_at": disposition.decided_at.isoformat() if disposition and disposition.decided_at else None,
        "checks": [c.as_dict() for c in found],
        "certifiable": certification.refusal(found) is None,
        "pending": list(disposition.pending) if disposition else [],
        "arrived": list(disposition.arrived) if disposition else [],
        "alerts": [
            {
                "record": a.record_key,
                "result": a.result_id,
                "attribute": a.result.attribute.name,
                "reported": a.result.reported,
                "message": a.message,
                "administrations": a.administrations,
                "notified": a.notified,
            }
            for a in (alerts_of(disposition) if disposition else [])
        ],
    }
