"""The batch pages' forms, each drawn from its API operation and running it (ADR 0013): a new batch on the
list, the operator's forms on a step's page, and completing the batch on its page.

Several forms share one page, so a form is posted to the page with `?do=<key>` and only that form is
bound. A refusal (the schema's 400, a rule's 422, a conflict's 409) comes back beside the field it
names, or above the form, with the status code the API would answer; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
from django import forms
from django.http import HttpRequest

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.api.errors import status_of
from atmp.environment.models import Room
from atmp.ledger.errors import LedgerError
from atmp.manufacturing.api import batches as api
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep, MasterBatchRecord
from atmp.trace.units import display as shown
from atmp.web.operations import OperationForm, body_values, build_form, run
from atmp.web.pages import add_service_error

_OBSERVED = {"observed_at": "Empty: now. Enter an earlier time (the site's clock) only for what happened before."}
_SCAN = "Scan the barcode or type it."

NEW_BATCH = OperationForm(
    title="New batch",
    operation=api.create_batch,
    labels={"mbr": "Master batch record (effective)", "output_lot": "Output lot", "patient": "Patient COI"},
    help={
        "mbr": "The product's master batch record in force at its site (only effective ones are listed).",
        "output_lot": "The quarantined lot the batch makes (its number is on the in-process labels).",
        "patient": "Autologous products only: the patient's chain-of-identity code.",
    },
    submit="Create the batch",
)
START = OperationForm(
    title="Start the step",
    operation=api.start_batch_step,
    fields=("room", "equipment"),
    labels={"room": "Room", "equipment": "Equipment codes"},
    help={"equipment": _SCAN},
    submit="Start the step",
)
PARAMETER = OperationForm(
    title="Record a parameter value",
    operation=api.record_batch_parameter,
    fields=("position", "value", "unit", "convert", "acknowledged", "observed_at", "note"),
    labels={
        "position": "Parameter",
        "unit": "Unit (empty: the master record's)",
        "convert": "Convert from this unit to the master record's",
        "acknowledged": "I acknowledge the warning: the value is outside the normal operating range",
        "observed_at": "Observed at",
    },
    help=_OBSERVED,
    submit="Record the value",
)
CONTROL = OperationForm(
    title="Record an in-process control",
    operation=api.record_batch_control,
    fields=("position", "value", "unit", "convert", "observed_at", "note"),
    labels={
        "position": "Control",
        "value": "Result",
        "unit": "Unit (empty: the master record's)",
        "convert": "Convert from this unit to the master record's",
        "observed_at": "Observed at",
    },
    help=_OBSERVED,
    submit="Record the result",
)
MATERIAL = OperationForm(
    title="Add a material (scan the lot)",
    operation=api.add_batch_material,
    fields=("position", "lot", "quantity", "unit", "observed_at", "note"),
    labels={"position": "Material", "lot": "Lot number", "unit": "Unit (empty: the line's)", "observed_at": "Added at"},
    help={"lot": _SCAN, **_OBSERVED},
    submit="Add the material",
)
CORRECT = OperationForm(
    title="Correct an entry",
    operation=api.correct_batch_entry,
    path="entry_id",
    fields=("value", "unit", "convert", "acknowledged", "note"),
    labels={
        "value": "Correct value",
        "unit": "Unit (empty: the master record's)",
        "convert": "Convert from this unit to the master record's",
        "acknowledged": "I acknowledge the warning: the value is outside the normal operating range",
    },
    help={"reason": "Required: why the entry was wrong. The original stays visible, struck through."},
    submit="Correct",
)
CORRECT_MATERIAL = OperationForm(
    title="Correct a material addition",
    operation=api.correct_batch_material,
    path="entry_id",
    fields=("lot", "quantity", "unit", "note"),
    labels={"lot": "Lot number that was added", "unit": "Unit (empty: the line's)"},
    help={
        "lot": _SCAN,
        "reason": "Required: why the addition was wrong. Its use is voided in the genealogy; the original stays "
        "visible, struck through.",
    },
    submit="Correct the addition",
)
VERIFY = OperationForm(
    title="Verify an entry (second person)",
    operation=api.verify_batch_entry,
    path="entry_id",
    intro="Sign as the second person: never the one who recorded the entry.",
    submit="Sign 'verified'",
)
COMPLETE_STEP = OperationForm(
    title="Complete the step",
    operation=api.complete_batch_step,
    intro="Refused while an entry, an acknowledgement or a verification is missing.",
    submit="Complete the step",
)
COMPLETE_BATCH = OperationForm(
    title="Complete execution",
    operation=api.complete_batch,
    intro="Once every step is done; the batch's rooms are released and QA reviews it by exception.",
    submit="Complete execution",
)


@dataclass(frozen=True)
class PageForm:
    """One form of a page: its key (`?do=`), the operation's form, and whether it names an entry first."""

    key: str
    spec: OperationForm
    picks_entry: bool = False


STEP_FORMS = (
    PageForm("start", START),
    PageForm("parameter", PARAMETER),
    PageForm("control", CONTROL),
    PageForm("material", MATERIAL),
    PageForm("correct", CORRECT, picks_entry=True),
    PageForm("correct_material", CORRECT_MATERIAL, picks_entry=True),
    PageForm("verify", VERIFY, picks_entry=True),
    PageForm("complete", COMPLETE_STEP),
)
BY_KEY = {f.key: f for f in STEP_FORMS}


def effective_mbrs(user: User) -> list[tuple[str, str]]:
    """Return (id, label) of the effective master batch records of the user's sites."""
    rows = MasterBatchRecord.objects.filter(voided=False, status="effective").select_related(
        "process_version__product", "process_version__site"
    )
    return [
        (str(m.pk), f"{m.process_version.product.code} v{m.process_version.number} · MBR {m.number}: {m.title}"
         f" ({m.process_version.site.code})")
        for m in visible_records(user, rows).order_by("process_version__product__code", "-pk")
    ]  # fmt: skip


def _positions(step: BatchStep, related: str, read: Sequence[Any] | None = None) -> list[tuple[str, str]]:
    rows: Any = getattr(step.mbr_step, related).filter(voided=False).order_by("position") if read is None else read
    if related == "materials":
        rows = rows.select_related("material") if read is None else rows
        return [(str(m.position), f"{m.material.code} {m.material.name}: {m.quantity.normalize():f} {shown(m.unit)}")
                for m in rows]  # fmt: skip
    return [(str(r.position), f"{r.name} ({shown(r.unit)})") for r in rows]


def rooms_of(batch: Batch, user: User) -> list[tuple[str, str]]:
    """Return (id, label) of the live rooms at the batch's site."""
    rows = visible_records(user, Room.objects.filter(voided=False, site=batch.site)).order_by("code")
    return [(str(r.pk), f"{r.code} {r.name} (grade {r.grade})") for r in rows]


def choices_for(
    key: str, step: BatchStep, user: User, entries: Sequence[BatchEntry], lines: Sequence[Sequence[Any]] | None = None
) -> dict[str, Any]:
    """Return the select options a step form offers: rooms of the site, the step's rows, its live entries.

    `lines` is the master step's live parameters, controls and materials in order, when the caller read them.
    """
    if key == "start":
        return {"room": rooms_of(step.batch, user)}
    if key in ("parameter", "control", "material"):
        index = ("parameter", "control", "material").index(key)
        related = ("parameters", "controls", "materials")[index]
        return {"position": _positions(step, related, None if lines is None else lines[index])}
    if key in ("correct", "correct_material", "verify"):
        picked = [e for e in entries if key == "verify" or (e.material_id is not None) == (key == "correct_material")]
        return {"entry": [(str(e.pk), f"#{e.pk} {entry_name(e)}: {e.value} {shown(e.unit)}") for e in picked]}
    return {}


def entry_name(e: BatchEntry) -> str:
    """Return what an entry records: its parameter's or control's name, or its material's code."""
    if e.parameter is not None:
        return e.parameter.name
    if e.control is not None:
        return e.control.name
    return e.material.material.code if e.material is not None else e.kind


def draw(
    spec: OperationForm,
    user: User,
    options: dict[str, Any],
    data: Any = None,
    *,
    record: Any = None,
    prefix: str | None = None,
) -> forms.Form:
    """Return the operation's form with its select options (an `entry` select first when offered).

    prefix: for one of several forms on a page, what its inputs' names and ids start with (`parameter-value`).
    """
    from dataclasses import replace

    drawn = replace(spec, choices={k: v for k, v in options.items() if k != "entry"})
    form = build_form(drawn, user, data=data, record=record)
    form.prefix = prefix
    if "entry" in options:
        entry = forms.ChoiceField(label="Entry", choices=[("", "—"), *options["entry"]])
        form.fields = {"entry": entry, **form.fields}
    return form


def submit(
    request: HttpRequest, spec: OperationForm, form: forms.Form, path: dict[str, Any], *, record: Any
) -> tuple[Any, int]:
    """Run the operation with the posted form: (its answer, 200), or (None, the API's status) when refused.

    path: the operation's path parameters; a form that picks an entry adds `entry_id`.
    """
    user: User = request.user  # type: ignore[assignment]
    if not form.is_valid():
        return None, 400
    cleaned = dict(form.cleaned_data)
    if "entry" in cleaned:
        path = {**path, "entry_id": int(form.cleaned_data.pop("entry"))}
    body = body_values(form, spec.schema, initial=None, user=user, record=record)
    form.cleaned_data = cleaned
    try:
        return run(request, spec, body, path), 200
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error.get("loc") else None
            form.add_error(where if where in form.fields else None, str(error["msg"]))
        return None, 400
    except LedgerError as exc:
        add_service_error(form, exc)
        return None, status_of(exc)
