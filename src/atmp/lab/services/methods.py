"""Analytical methods: add one, set its validation status for a clinical phase (with its report), and
decide once whether it is fit for release testing in a phase (`fit_for`, used by specifications and,
later, by result entry)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.files.services import store
from atmp.lab.models import Method, MethodType, MethodValidation, Phase, ValidationStatus
from atmp.ledger import writer
from atmp.quality.models.documents import Document
from atmp.quality.services import edits
from atmp.trace.services import checks
from atmp.workflow import engine

# How far a method must have been shown suitable before it is used for release testing in a phase.
# EMA Guideline on quality, non-clinical and clinical requirements for investigational ATMPs in
# clinical trials (2025), Part A (analytical procedures): in exploratory (phase I-II) trials methods are
# qualified, i.e. shown suitable for their purpose; for pivotal (phase III) trials and the marketing
# authorisation they are validated as ICH Q2(R2) describes. Tests of safety (sterility, mycoplasma,
# endotoxin, replication-competent virus) are validated, or verified as compendial methods (Ph. Eur.
# 2.6.1, 2.6.7, 2.6.14 method suitability), from the first trial: patients' safety does not wait.
REQUIRED: dict[str, str] = {
    Phase.I: ValidationStatus.QUALIFIED,
    Phase.II: ValidationStatus.QUALIFIED,
    Phase.III: ValidationStatus.VALIDATED,
    Phase.COMMERCIAL: ValidationStatus.VALIDATED,
}
_RANK = {ValidationStatus.NOT_VALIDATED: 0, ValidationStatus.QUALIFIED: 1, ValidationStatus.VALIDATED: 2}


def checked_phase(value: Any, field: str = "phase") -> str:
    """Return a stored phase ('i', 'ii', 'iii', 'commercial'), accepting 'I', 'III' or 'Phase III'."""
    text = str(value or "").strip().lower().removeprefix("phase").strip()
    return edits.choice(text, field, Phase.values)


def required_status(method: Method, phase: str) -> str:
    """Return the validation status a method needs for release testing in the phase."""
    if method.method_type == MethodType.SAFETY:
        return ValidationStatus.VALIDATED
    return REQUIRED[phase]


def status_for(method: Method, phase: str) -> MethodValidation | None:
    """Return the method's live validation record for the phase (None: not validated)."""
    return MethodValidation.objects.filter(method=method, phase=phase, voided=False).first()


def fit_for(method: Method, phase: str) -> str | None:
    """Return the rule a method breaks for release testing in the phase, or None when it is fit."""
    phase = checked_phase(phase)
    label = Phase(phase).label
    if method.voided:
        return f"method voided: {method.code} is voided and tests nothing"
    needed = required_status(method, phase)
    # Only the status is needed (every result's entry asks): one narrow read, not the whole record.
    have = (
        MethodValidation.objects.filter(method_id=method.pk, phase=phase, voided=False)
        .values_list("validation_status", flat=True)
        .first()
    ) or ValidationStatus.NOT_VALIDATED
    if _RANK[ValidationStatus(have)] >= _RANK[ValidationStatus(needed)]:
        return None
    why = "a safety test" if method.method_type == MethodType.SAFETY and needed != REQUIRED[phase] else label
    return (
        f"method not fit for {label}: {method.code} is {ValidationStatus(have).label.lower()} for {label}; "
        f"{why} needs it {ValidationStatus(needed).label.lower()} (docs/lab.md, EMA investigational ATMP "
        "guideline 2025, ICH Q2(R2))"
    )


def _document(value: Any) -> Document | None:
    if value in (None, ""):
        return None
    if isinstance(value, Document):
        return value
    found = Document.objects.filter(number=str(value).strip(), voided=False).first()
    if found is None:
        raise InvalidInput("sop", f"there is no document {value!r}")
    return found


def add_method(
    *,
    actor: User,
    code: str,
    title: str,
    method_type: str,
    version: str = "1",
    sop: Any = None,
    description: str = "",
    reason: str = "",
) -> Method:
    """Add an analytical method (every site's) with its type and, optionally, its SOP in quality's documents."""
    edits.check_writer(actor, Method)
    code = checks.code(code, "code", limit=40)
    if Method.objects.filter(code=code).exists():
        raise InvalidInput("code", f"method {code} exists already")
    method = Method(
        code=code,
        title=edits.text(title, "title", required=True, limit=200),
        revision=edits.text(version, "version", required=True, limit=20),
        method_type=edits.choice(str(method_type).lower(), "method_type", MethodType.values),
        sop=_document(sop),
        description=edits.text(description, "description"),
    )
    with writer.change(actor=actor, reason=reason or f"add method {code}") as ch:
        ch.save(method)
    return method


def set_validation(
    *,
    actor: User,
    method: Method,
    phase: str,
    status: str,
    report: IO[bytes] | None = None,
    report_name: str = "",
    done_on: dt.date | str | None = None,
    note: str = "",
    reason: str = "",
) -> MethodValidation:
    """Set the method's validation status for a phase; a qualified or validated status needs its report."""
    edits.check_may_edit(actor, method, version=None)
    phase = checked_phase(phase)
    status = edits.choice(str(status).lower(), "status", ValidationStatus.values)
    day = edits.date(done_on, "done_on") or engine.today()
    if day > engine.today():
        raise InvalidInput("done_on", "cannot be in the future")
    if status != ValidationStatus.NOT_VALIDATED and report is None:
        raise InvalidInput(
            "report", f"a method is {ValidationStatus(status).label.lower()} on the strength of its report: attach it"
        )
    note = edits.text(note, "note")
    row = status_for(method, phase) or MethodValidation(method=method, phase=phase)
    with writer.change(actor=actor, reason=reason or f"{method.code} {status} for phase {phase}") as ch:
        row.validation_status = status
        row.done_on = day
        row.note = note
        if report is not None:
            row.report = store(
                actor=actor, stream=report, name=report_name or f"{method.code}-{phase}.pdf", reason=ch.reason
            )
        elif status == ValidationStatus.NOT_VALIDATED:
            row.report = None
        ch.save(row)
    return row


def find_method(code: Any, *, field: str = "method") -> Method:
    """Return the live method of the code (or numeric id), or refuse naming the field."""
    text = str(code or "").strip()
    found = Method.objects.filter(code=text, voided=False).first()
    if found is None and text.isdecimal():
        found = Method.objects.filter(pk=int(text), voided=False).first()
    if found is None:
        raise InvalidInput(field, f"there is no method {text!r}")
    return found
