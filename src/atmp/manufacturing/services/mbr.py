"""Master batch records: draft one from its JSON document, replace a draft's content, copy one into a
new version, and make it effective (QA, signed 'approved'; the rules are the workflow's preconditions)."""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing.models import (
    MasterBatchRecord,
    MbrControl,
    MbrMaterial,
    MbrParameter,
    MbrStep,
    MbrStepSop,
    ProcessVersion,
)
from atmp.manufacturing.services.mbr_content import ContentPlan, check_document, content_hash, plan_document
from atmp.quality.services import edits
from atmp.workflow import engine

OPEN_PROCESS_STATES = ("draft", "effective")


def _check_process(version: ProcessVersion) -> None:
    if version.voided or version.status not in OPEN_PROCESS_STATES:
        state = "voided" if version.voided else version.state_label().lower()
        raise InvalidInput(
            "process_version",
            f"{version.product.code} process v{version.number} is {state}: master batch records are written only "
            "for a draft or effective process version",
        )


def _write(ch: writer.Change, mbr: MasterBatchRecord, plan: ContentPlan) -> None:
    """Write the plan's rows of a draft record, each through the ledger."""
    group = 0
    for s in plan.steps:
        group = group if s.parallel_with_previous else group + 1
        step = MbrStep(
            mbr=mbr,
            number=s.number,
            title=s.title,
            instructions=s.instructions,
            room_grade=s.room_grade,
            equipment_classes=list(s.equipment_classes),
            parallel_with_previous=s.parallel_with_previous,
            parallel_group=group,
            verification=s.verification,
        )
        ch.save(step)
        for i, document in enumerate(s.sops, 1):
            ch.save(MbrStepSop(step=step, position=i, document=document))
        for i, p in enumerate(s.parameters, 1):
            ch.save(
                MbrParameter(
                    step=step,
                    position=i,
                    name=p.name,
                    unit=p.unit,
                    nor_low=p.nor_low,
                    nor_high=p.nor_high,
                    par_low=p.par_low,
                    par_high=p.par_high,
                    decimals=p.decimals,
                )
            )
        for i, c in enumerate(s.controls, 1):
            ch.save(MbrControl(step=step, position=i, name=c.name, unit=c.unit, low=c.low, high=c.high))
        for i, m in enumerate(s.materials, 1):
            ch.save(
                MbrMaterial(
                    step=step,
                    position=i,
                    material=m.material,
                    quantity=m.quantity,
                    unit=m.unit,
                    tolerance_percent=m.tolerance_percent,
                    verification=m.verification,
                )
            )


def add_mbr(
    *,
    actor: User,
    process_version: ProcessVersion,
    document: Any,
    copied_from: MasterBatchRecord | None = None,
    reason: str = "",
) -> MasterBatchRecord:
    """Draft the next master batch record of the process version (1, 2, …) from its whole JSON document."""
    edits.check_writer(actor, MasterBatchRecord, site=process_version.site)
    _check_process(process_version)
    plan = check_document(document, site=process_version.site)  # all of it, before anything is written
    mbr = MasterBatchRecord(
        process_version=process_version,
        title=plan.title,
        copied_from=copied_from,
        content_hash=content_hash(plan_document(plan)),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the number is the next one of what is stored
        numbers = MasterBatchRecord._base_manager.filter(process_version=process_version).values_list(
            "number", flat=True
        )
        mbr.number = max(numbers, default=0) + 1
        ch.save(mbr)
        _write(ch, mbr, plan)
    return mbr


def check_draft(mbr: MasterBatchRecord) -> None:
    """Refuse a change to the content of a record that is not a draft, naming the rule."""
    if mbr.status != "draft":
        raise Conflict(
            f"frozen: {mbr.record_key} is {mbr.state_label().lower()}; its content changes only in draft "
            "(make a new version: copy it)"
        )


def replace_content(
    *, actor: User, mbr: MasterBatchRecord, document: Any, reason: str, version: int | None = None
) -> MasterBatchRecord:
    """Replace a draft's title and content with a whole new document (the old rows voided, never deleted)."""
    check_draft(mbr)
    edits.check_may_edit(actor, mbr, version=version, states=("draft",))
    plan = check_document(document, site=mbr.process_version.site)
    with writer.change(actor=actor, reason=reason) as ch:
        for model in (MbrStepSop, MbrParameter, MbrControl, MbrMaterial):
            for row in model.objects.filter(step__mbr=mbr, voided=False).select_related("step__mbr"):
                row.voided = True
                ch.save(row)
        for step in MbrStep.objects.filter(mbr=mbr, voided=False).select_related("mbr"):
            step.voided = True
            ch.save(step)
        mbr.title = plan.title
        mbr.content_hash = content_hash(plan_document(plan))
        ch.save(mbr)
        _write(ch, mbr, plan)
    return mbr


def copy_mbr(
    *,
    actor: User,
    source: MasterBatchRecord,
    process_version: ProcessVersion | None = None,
    title: str | None = None,
    reason: str = "",
) -> MasterBatchRecord:
    """Draft a new version as a copy of a record, for its process version or another of the same product."""
    from atmp.manufacturing.selectors.mbr import document_of

    target = process_version or source.process_version
    if target.product_id != source.process_version.product_id:
        raise InvalidInput("process_version", "a master batch record is copied only within its product")
    document = document_of(source)
    if title:
        document["title"] = title
    return add_mbr(actor=actor, process_version=target, document=document, copied_from=source, reason=reason)


def effective_refusal(mbr: MasterBatchRecord) -> str | None:
    """Return why the record may not become effective (the rule first), or None when it may."""
    from atmp.manufacturing.selectors.mbr import plan_of

    plan = plan_of(mbr)
    if not plan.steps:
        return f"no steps: {mbr.record_key} has no step; a master batch record instructs at least one"
    document = plan_document(plan)
    if content_hash(document) != mbr.content_hash:
        return f"content changed: the content of {mbr.record_key} no longer matches its hash; replace it in draft"
    try:
        check_document(document, site=mbr.process_version.site)
    except InvalidInput as exc:
        return f"content: {exc}"
    for step in plan.steps:
        for doc in step.sops:
            if doc.effective_version() is None:
                return (
                    f"SOP not effective: step {step.number} relies on {doc.number}, which has no effective version; "
                    "its operators could not be trained on it"
                )
    return None


def make_effective(
    *, actor: User, mbr: MasterBatchRecord, password: str, reason: str, otp: str | None = None
) -> MasterBatchRecord:
    """Make the record effective (QA, signed 'approved'); the one effective before it is superseded."""
    engine.transition(actor, mbr, "make_effective", reason=reason, password=password, otp=otp)
    return mbr


def find_mbr(mbr_id: int, *, user: User | None = None, field: str = "mbr") -> MasterBatchRecord:
    """Return the live record of the id (one the user may see), or refuse naming the field."""
    found = (
        MasterBatchRecord.objects.select_related("process_version__product", "process_version__site")
        .filter(pk=mbr_id, voided=False)
        .first()
    )
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no master batch record {mbr_id}")
    return found


def find_process_version(version_id: int, *, user: User | None = None) -> ProcessVersion:
    """Return the live process version of the id (one the user may see), or refuse naming the field."""
    found = ProcessVersion.objects.select_related("product", "site").filter(pk=version_id, voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput("process_version", f"there is no process version {version_id}")
    return found
