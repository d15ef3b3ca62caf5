"""Stability studies: the protocol (conditions, attributes), its approval, placing batches (ADR 0029)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.lab import criteria
from atmp.lab.models import (
    AttributeKind,
    ConditionKind,
    Specification,
    SpecificationAttribute,
    StabilityAttribute,
    StabilityBatch,
    StabilityCondition,
    StabilityPull,
    StabilityStudy,
    StorageCondition,
)
from atmp.lab.services.stability.records import (
    MAX_MONTHS,
    attributes,
    check_write,
    conditions,
    due_date,
)
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing.models import Batch, Product
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.stats import shelf_life as q1e
from atmp.workflow import engine

# --- protocol -----------------------------------------------------------------------------------


DEFAULT_WINDOW_DAYS = 7  # the protocol's own allowance, common practice; ICH sets none (docs/lab.md "Pull window")
MAX_WINDOW_DAYS = 30  # a bound against typing errors: protocols allow days to two weeks


def protocol_hash(study: StabilityStudy, extra: list[Any] | None = None) -> str:
    """Return the SHA-256 of the protocol's rows (conditions, attributes), stored on the study."""
    rows = [*conditions(study), *attributes(study), *(extra or [])]
    document = sorted(
        json.dumps(
            {"type": type(r).__name__, "position": r.position, **{k: str(v) for k, v in _row_fields(r).items()}},
            sort_keys=True,
        )
        for r in rows
    )
    return hashlib.sha256("\n".join(document).encode()).hexdigest()


def _row_fields(row: Any) -> dict[str, Any]:
    if isinstance(row, StabilityCondition):
        return {"condition": row.condition, "kind": row.kind, "time_points": row.time_points}
    return {"attribute": row.attribute_id, "limit": row.limit}


def _draft(study: StabilityStudy, what: str) -> None:
    if study.status != "draft":
        raise Conflict(
            f"frozen: {study.number} is {study.state_label().lower()}; {what} only while the protocol is a draft"
        )


def add_study(
    *,
    actor: User,
    site: Site,
    product: Product,
    specification: Specification,
    title: str,
    window_days: Any = DEFAULT_WINDOW_DAYS,
    reason: str = "",
) -> StabilityStudy:
    """Open a stability study (STAB-YYYY-NNNN) of a product at a site, against an approved specification."""
    require(actor, StabilityStudy.write_permission)
    if site is None or site.voided or not can_see(actor, site):
        raise InvalidInput("site", "name a live site of yours")
    if product is None or product.voided:
        raise InvalidInput("product", "name a live product")
    if specification is None or specification.product_id != product.pk or specification.status != "approved":
        raise InvalidInput(
            "specification", f"name an approved specification of {product.code} (the attributes are drawn from it)"
        )
    text = edits.text(title, "title", limit=200, required=True)
    window = parse_window_days(window_days)
    with writer.change(actor=actor, reason=reason or f"stability study of {product.code}") as ch:
        study = StabilityStudy(
            number=next_number(ch, StabilityStudy, "STAB", clock.now().year),
            site=site,
            product=product,
            specification=specification,
            title=text,
            window_days=window,
        )
        ch.save(study)
    return study


def parse_window_days(value: Any) -> int:
    """Return the pull window (whole days either side of a due date), or refuse naming `window_days`."""
    text = str(DEFAULT_WINDOW_DAYS if value is None or value == "" else value).strip()
    if not text.isdecimal():
        raise InvalidInput(
            "window_days",
            f"{text!r} is not a whole number of days (the protocol's window either side of each pull's due date)",
        )
    if int(text) > MAX_WINDOW_DAYS:
        raise InvalidInput(
            "window_days", f"{text} days is too wide: a pull window is at most {MAX_WINDOW_DAYS} days either side"
        )
    return int(text)


def parse_time_points(value: Any) -> str:
    """Return the time points as canonical text '0,3,6', or refuse naming `time_points` and the rule."""
    raw = value if isinstance(value, list | tuple) else str(value or "").replace(";", ",").split(",")
    months: list[int] = []
    for item in raw:
        text = str(item).strip()
        if not text:
            continue
        if not text.isdecimal() or len(text) > 3:
            raise InvalidInput("time_points", f"{text!r} is not a whole number of months (e.g. 0,3,6,9,12,18)")
        months.append(int(text))
    if not months:
        raise InvalidInput("time_points", "give the time points in months, e.g. 0,3,6,9,12,18")
    if any(m > MAX_MONTHS for m in months):
        raise InvalidInput("time_points", f"a time point is at most {MAX_MONTHS} months")
    if months != sorted(set(months)):
        raise InvalidInput("time_points", "ascending, each time point once")
    if len(months) < q1e.MINIMUM_TIME_POINTS:
        raise InvalidInput(
            "time_points",
            f"at least {q1e.MINIMUM_TIME_POINTS} time points: a shelf life needs a fitted line with a residual "
            "(ICH Q1E Appendix B)",
        )
    return ",".join(str(m) for m in months)


def _condition(value: Any) -> str:
    text = str(value or "").strip()
    for choice in StorageCondition:
        if text.lower() in (choice.value, str(choice.label).lower()):
            return str(choice.value)
    raise InvalidInput(
        "condition",
        f"unknown storage condition {text!r}: one of " + "; ".join(f"{c.value} ({c.label})" for c in StorageCondition),
    )


def add_condition(
    *, actor: User, study: StabilityStudy, condition: Any, kind: Any, time_points: Any, reason: str = ""
) -> StabilityCondition:
    """Add a storage condition with its time points to a draft protocol."""
    check_write(actor, study)
    _draft(study, "conditions are added")
    code = _condition(condition)
    kind_code = edits.choice(str(kind or "").strip().lower(), "kind", ConditionKind.values)
    months = parse_time_points(time_points)
    existing = conditions(study)
    if any(c.condition == code for c in existing):
        raise InvalidInput("condition", f"{StorageCondition(code).label} is in the protocol already")
    row = StabilityCondition(
        study=study,
        position=max((c.position for c in existing), default=0) + 1,
        condition=code,
        kind=kind_code,
        time_points=months,
    )
    with writer.change(actor=actor, reason=reason or f"condition {row} added to {study.number}") as ch:
        ch.save(row)
        study.protocol_hash = protocol_hash(study)
        ch.save(study)
    return row


def limits_of(text: str) -> tuple[float | None, float | None]:
    """Return (lower, upper) of a numeric criterion, or refuse naming `limit`."""
    try:
        parsed = criteria.parse(text)
    except criteria.CriterionError as exc:
        raise InvalidInput("limit", exc.message) from None
    if parsed.kind != criteria.NUMERIC:
        raise InvalidInput("limit", f"{text!r} is not a numeric limit: write A-B, >=A or <=B")
    low = None if parsed.low is None else float(parsed.low)
    high = None if parsed.high is None else float(parsed.high)
    return low, high


def add_attribute(
    *, actor: User, study: StabilityStudy, attribute: Any, limit: str = "", reason: str = ""
) -> StabilityAttribute:
    """Add an attribute of the study's specification, tested at every pull, with the shelf-life limit."""
    check_write(actor, study)
    _draft(study, "attributes are added")
    rows = list(
        SpecificationAttribute.objects.filter(specification_id=study.specification_id, voided=False).order_by(
            "position"
        )
    )
    if isinstance(attribute, SpecificationAttribute):
        chosen = next((a for a in rows if a.pk == attribute.pk), None)
    else:
        text = str(attribute or "").strip()
        chosen = next((a for a in rows if str(a.position) == text or a.name.lower() == text.lower()), None)
    if chosen is None:
        raise InvalidInput(
            "attribute",
            f"attribute not in specification: {attribute!s} is not an attribute of {study.specification}; "
            "attributes: " + ", ".join(f"{a.position} {a.name}" for a in rows),
        )
    limit = str(limit or "").strip()
    if chosen.kind == AttributeKind.CONFORMS:
        raise InvalidInput("attribute", f"{chosen.name} is judged conforms / does not conform: no trend to fit")
    if chosen.kind == AttributeKind.REPORT and not limit:
        raise InvalidInput(
            "limit", f"{chosen.name} is a 'report' attribute: give the limit its shelf life is judged by"
        )
    limits_of(limit or chosen.criterion)
    existing = attributes(study)
    if any(a.attribute_id == chosen.pk for a in existing):
        raise InvalidInput("attribute", f"{chosen.name} is in the protocol already")
    row = StabilityAttribute(
        study=study,
        position=max((a.position for a in existing), default=0) + 1,
        attribute=chosen,
        limit=edits.text(limit, "limit", limit=200),
    )
    with writer.change(actor=actor, reason=reason or f"attribute {chosen.name} added to {study.number}") as ch:
        ch.save(row)
        study.protocol_hash = protocol_hash(study)
        ch.save(study)
    return row


def protocol_refusal(study: StabilityStudy) -> str | None:
    """Return why the protocol cannot be approved (a workflow precondition), or None."""
    if not conditions(study):
        return "no condition: the protocol needs at least one storage condition with its time points"
    if not attributes(study):
        return "no attribute: the protocol needs at least one attribute tested at every pull"
    if not any(c.kind == ConditionKind.LONG_TERM for c in conditions(study)):
        return "no long-term condition: a shelf life is set from long-term data (ICH Q1E §2.4)"
    return None


def approve(
    *, actor: User, study: StabilityStudy, password: str, reason: str, otp: str | None = None
) -> StabilityStudy:
    """Approve the protocol (QA, signed 'approved', not its author)."""
    engine.transition(actor, study, "approve", reason=reason, password=password, otp=otp)
    return study


def place(
    *, actor: User, study: StabilityStudy, batch: Batch, placed_on: Any = None, reason: str = ""
) -> StabilityBatch:
    """Place a batch on an approved or running study and schedule its pulls (condition × time point)."""
    from atmp.lab.services.specifications import for_batch

    check_write(actor, study)
    if study.status not in ("approved", "running"):
        raise Conflict(
            f"{study.number} is {study.state_label().lower()}: batches are placed once the protocol is approved"
        )
    if batch is None or batch.voided or batch.product_id != study.product_id:
        raise InvalidInput("batch", f"name a live batch of {study.product.code}")
    if batch.site_id != study.site_id:
        raise InvalidInput("batch", f"batch {batch.number} is of another site than {study.site.code}")
    if study.batches.filter(batch=batch, voided=False).exists():
        raise InvalidInput("batch", f"batch {batch.number} is on {study.number} already")
    day = edits.date(placed_on, "placed_on") or clock.now().date()
    if day > clock.now().date():
        raise InvalidInput("placed_on", "cannot be in the future")
    placement = StabilityBatch(study=study, batch=batch, placed_on=day)
    with writer.change(actor=actor, reason=reason or f"batch {batch.number} placed on {study.number}") as ch:
        # Pinned in this change (on first asking), so a refusal below leaves no pin behind.
        spec = for_batch(batch, actor=actor, reason=ch.reason)
        names = {a.name.lower() for a in SpecificationAttribute.objects.filter(specification=spec, voided=False)}
        missing = [a.attribute.name for a in attributes(study) if a.attribute.name.lower() not in names]
        if missing:
            raise InvalidInput(
                "batch", f"batch {batch.number} is tested against {spec}, which lacks {', '.join(missing)}"
            )
        ch.save(placement)
        for condition in conditions(study):
            for months in condition.months():
                ch.save(
                    StabilityPull(
                        study=study,
                        placement=placement,
                        condition=condition,
                        months=months,
                        due_on=due_date(day, months),
                    )
                )
    return placement


def start(*, actor: User, study: StabilityStudy, reason: str) -> StabilityStudy:
    """Start the study once its batches are placed."""
    engine.transition(actor, study, "start", reason=reason)
    return study
