"""Stability studies (ICH Q1E): the protocol, batches placed on study, their pulls, the pulls' results
and the shelf-life estimate computed by atmp.stats.shelf_life, frozen into the study when its report
is signed (ADR 0029).

Rules, each refusal naming its field (docs/lab.md "Stability studies"):
- `condition`: one of the storage conditions of ICH Q1A(R2) §2.2.7 or the frozen conditions of an
  ATMP (StorageCondition); `time_points`: whole months 0 to 120, ascending, no repeat, at least three
  for a condition that sets a shelf life (Q1E needs a line with a residual, atmp.stats' minimum).
- `attribute`: an attribute of the study's specification (an approved one of the study's product),
  numeric or judged against a numeric shelf-life `limit` (a report attribute needs one).
- Due dates: the batch's placed-on-study date plus the time point in calendar months, the same day of
  the month, or the month's last day when it has no such day (31 Jan + 1 month = 28 or 29 Feb), as
  `dateutil.relativedelta` and the common LIMS convention count months.
- Results of a pull are ordinary lab results (services.results.record_result) of the pull's sample
  (purpose 'stability'): evaluated, reviewed and, out of specification, investigated like any other.
- The estimate per condition and attribute uses the live results of pulled or tested pulls, the time
  being the pull's nominal time point (months), and atmp.stats.shelf_life's poolability (ANCOVA at
  0.25) and one-sided 95 % bound (two-sided when both limits apply), ICH Q1E Appendix B.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see, require
from atmp.lab import criteria
from atmp.lab.models import (
    AttributeKind,
    ConditionKind,
    PullState,
    Result,
    Specification,
    SpecificationAttribute,
    StabilityAttribute,
    StabilityBatch,
    StabilityCondition,
    StabilityPull,
    StabilityStudy,
    StorageCondition,
)
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.manufacturing.models import Batch, Product
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.stats import report
from atmp.stats import shelf_life as q1e
from atmp.stats.errors import StatsInputError
from atmp.workflow import engine

METHOD = "ICH Q1E shelf life"
SOURCE = "ICH Q1E (2003) Appendix B; atmp.stats.shelf_life"
RULE = "ANCOVA poolability at 0.25; one-sided 95 % confidence bound of the mean (two-sided with both limits)"
POOL_ALPHA = 0.25  # ICH Q1E Appendix B.2.2.1
ALPHA = 0.05  # ICH Q1E Appendix B.1: a 95 % confidence bound
MAX_MONTHS = 120
DUE_SOON_DAYS = 14  # My work lists a pull this many days before it is due
# Extrapolation beyond the long-term data (ICH Q1E Appendix A, decision tree; /work/shared/REGULATORY.md):
# (factor, most months beyond X); frozen products: none.
EXTRAPOLATION = {
    StorageCondition.FROZEN_65: (1.0, 0),
    StorageCondition.FROZEN_20: (1.0, 0),
    StorageCondition.REFRIGERATED: (1.5, 6),
    StorageCondition.ROOM_60: (2.0, 12),
    StorageCondition.INTERMEDIATE: (2.0, 12),
    StorageCondition.ACCELERATED: (1.0, 0),
}


def number(value: float) -> str:
    """Return a computed value as stored: a decimal string of 6 places (the ledger keeps no floats)."""
    return f"{value:.6f}"


# --- dates --------------------------------------------------------------------------------------


def due_date(placed_on: dt.date, months: int) -> dt.date:
    """Return placed_on plus whole calendar months: same day of the month, else that month's last day."""
    index = placed_on.month - 1 + months
    year, month = placed_on.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(placed_on.day, calendar.monthrange(year, month)[1]))


# --- finding ------------------------------------------------------------------------------------


def find_study(value: Any, *, user: User | None = None, field: str = "study") -> StabilityStudy:
    """Return the study of the number (or id) the user may see, or refuse naming the field."""
    key = str(value or "").strip()
    rows = StabilityStudy.objects.select_related("product", "site", "specification")
    found = rows.filter(number=key.upper()).first()
    if found is None and key.isdecimal() and len(key) < 19:
        found = rows.filter(pk=int(key)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no stability study {key!r}")
    return found


def find_pull(value: Any, *, user: User | None = None, field: str = "pull") -> StabilityPull:
    """Return the pull of the id the user may see, or refuse naming the field."""
    key = str(value or "").strip()
    found = (
        StabilityPull.objects.select_related("study__site", "placement__batch", "condition", "sample")
        .filter(pk=int(key))
        .first()
        if key.isdecimal() and len(key) < 19
        else None
    )
    if found is None or found.voided or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no stability pull {key!r}")
    return found


def conditions(study: StabilityStudy) -> list[StabilityCondition]:
    """Return the study's live conditions in order."""
    return list(study.conditions.filter(voided=False).order_by("position"))


def attributes(study: StabilityStudy) -> list[StabilityAttribute]:
    """Return the study's live attributes in order, with their specification attribute."""
    return list(study.attributes.filter(voided=False).select_related("attribute").order_by("position"))


def placements(study: StabilityStudy) -> list[StabilityBatch]:
    """Return the batches placed on the study."""
    return list(study.batches.filter(voided=False).select_related("batch").order_by("pk"))


def pulls(study: StabilityStudy) -> list[StabilityPull]:
    """Return the study's pulls, by due date."""
    return list(
        study.pulls.filter(voided=False)
        .select_related("placement__batch", "condition", "sample")
        .order_by("due_on", "condition__position", "placement_id", "pk")
    )


# --- protocol -----------------------------------------------------------------------------------


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


def _check_write(actor: User, study: StabilityStudy) -> None:
    require(actor, study.write_permission)
    if not can_see(actor, study):
        raise NotAllowed(f"{study.record_key} belongs to a site that is not yours")
    if study.voided:
        raise Conflict(f"{study.record_key} is voided")


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
    with writer.change(actor=actor, reason=reason or f"stability study of {product.code}") as ch:
        study = StabilityStudy(
            number=next_number(ch, StabilityStudy, "STAB", clock.now().year),
            site=site,
            product=product,
            specification=specification,
            title=text,
        )
        ch.save(study)
    return study


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
    _check_write(actor, study)
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
    _check_write(actor, study)
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


# --- batches and pulls --------------------------------------------------------------------------


def place(
    *, actor: User, study: StabilityStudy, batch: Batch, placed_on: Any = None, reason: str = ""
) -> StabilityBatch:
    """Place a batch on an approved or running study and schedule its pulls (condition × time point)."""
    from atmp.lab.services.specifications import for_batch

    _check_write(actor, study)
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
    _check_write(actor, pull.study)
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


# --- the estimate -------------------------------------------------------------------------------


def _value(result: Result) -> float | None:
    """Return a result's value in the attribute's unit, or None when it is censored ('<0.5') or not a number."""
    try:
        amount = Decimal(result.amount)
    except (InvalidOperation, ValueError):
        return None
    return float(amount) if amount.is_finite() else None


def data_of(study: StabilityStudy) -> dict[tuple[int, int], list[tuple[str, int, float]]]:
    """Return (batch, months, value) rows per (condition id, attribute id) from the live results of the pulls."""
    rows = [p for p in pulls(study) if p.sample_id and p.state in (PullState.PULLED, PullState.TESTED)]
    by_sample = {p.sample_id: p for p in rows}
    results = list(
        Result.objects.filter(sample_id__in=list(by_sample), voided=False).select_related("attribute").order_by("pk")
    )
    replaced = {r.supersedes_id for r in results if r.supersedes_id}
    names = {a.attribute.name.lower(): a for a in attributes(study)}
    out: dict[tuple[int, int], list[tuple[str, int, float]]] = {}
    for r in results:
        wanted = names.get(r.attribute.name.lower())
        value = _value(r)
        if r.pk in replaced or wanted is None or value is None:
            continue
        pull = by_sample[r.sample_id]
        out.setdefault((pull.condition_id, wanted.pk), []).append((pull.placement.batch.number, pull.months, value))
    return out


def _entry(
    condition: StabilityCondition, attribute: StabilityAttribute, rows: list[tuple[str, int, float]]
) -> dict[str, Any]:
    limit = attribute.shelf_life_limit()
    head: dict[str, Any] = {
        "condition": condition.condition,
        "condition_label": str(condition.get_condition_display()),
        "kind": condition.kind,
        "attribute": attribute.attribute.name,
        "unit": attribute.attribute.unit,
        "limit": limit,
        "n": len(rows),
        "data": [[b, m, number(v)] for b, m, v in sorted(rows)],
    }
    empty = {"model": None, "shelf_life": None, "shelf_life_text": "—", "governing_batch": None, "ancova": None}
    if not rows:
        return {**head, **empty, "refusal": "no results yet"}
    lower, upper = limits_of(limit)
    try:
        found = fit(rows, lower=lower, upper=upper)
    except StatsInputError as exc:
        return {**head, **empty, "refusal": str(exc)}
    life = found.shelf_life
    ancova = found.ancova
    return {
        **head,
        "model": found.model,
        "shelf_life": number(life) if math.isfinite(life) else None,
        "shelf_life_text": f"{life:.1f} months" if math.isfinite(life) else "not reached (the bound meets no limit)",
        "governing_batch": found.governing_batch,
        "ancova": None
        if ancova is None
        else {"p_slopes": number(ancova.p_slopes), "p_intercepts": number(ancova.p_intercepts)},
        "refusal": "",
    }


def fit(rows: list[tuple[str, int, float]], *, lower: float | None, upper: float | None) -> q1e.ShelfLife:
    """Return atmp.stats.shelf_life on (batch, months, value) rows at Q1E's alphas."""
    batches = [b for b, _m, _v in rows]
    times = np.asarray([float(m) for _b, m, _v in rows], dtype=np.float64)
    values = np.asarray([v for _b, _m, v in rows], dtype=np.float64)
    return q1e.shelf_life(batches, times, values, lower=lower, upper=upper, alpha=ALPHA, pool_alpha=POOL_ALPHA)


def _supported(condition: StabilityCondition, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the shelf life a condition supports: the shortest estimate, capped by Q1E Appendix A."""
    lives = [float(e["shelf_life"]) for e in entries if e["shelf_life"] is not None]
    fitted = [e for e in entries if e["model"] is not None]
    longest = max((m for e in fitted for _b, m, _v in e["data"]), default=0)
    factor, beyond = EXTRAPOLATION[StorageCondition(condition.condition)]
    cap = min(factor * longest, longest + beyond)
    if condition.kind != ConditionKind.LONG_TERM or not fitted:
        return {"condition": condition.condition, "months": None, "text": "—"}
    estimate = min(lives) if lives else math.inf
    months = math.floor(min(estimate, cap))  # a shelf life is stated in whole months, rounded down
    governing = min(
        (e for e in entries if e["shelf_life"] is not None), key=lambda e: float(e["shelf_life"]), default=None
    )
    why = (
        f"estimate {governing['attribute']} {float(governing['shelf_life']):.1f} months"
        if governing is not None
        else "no limit reached by the bound"
    )
    return {
        "condition": condition.condition,
        "months": months,
        "text": f"{months} months ({why}; extrapolation at most {cap:g} months, ICH Q1E Appendix A)",
    }


def compute_estimate(study: StabilityStudy) -> dict[str, Any]:
    """Return the shelf-life estimate per condition and attribute (atmp.stats.shelf_life), and per condition."""
    data = data_of(study)
    entries: list[dict[str, Any]] = []
    supported: list[dict[str, Any]] = []
    for condition in conditions(study):
        mine = [_entry(condition, a, data.get((condition.pk, a.pk), [])) for a in attributes(study)]
        entries += mine
        supported.append(_supported(condition, mine))
    digest = hashlib.sha256(json.dumps([e["data"] for e in entries], sort_keys=True).encode()).hexdigest()
    long_term = [s["months"] for s in supported if s["months"] is not None]
    return {
        "method": METHOD,
        "source": SOURCE,
        "rule": RULE,
        "entries": entries,
        "conditions": supported,
        "shelf_life_months": min(long_term) if long_term else None,
        "provenance": report.provenance(
            method=METHOD,
            variant=RULE,
            parameters={"alpha": f"{ALPHA:g}", "pool_alpha": f"{POOL_ALPHA:g}"},
            n=sum(e["n"] for e in entries),
            input_sha256=digest,
        ),
    }


def estimate_hash(estimate: dict[str, Any]) -> str:
    """Return the SHA-256 of the estimate's JSON (sorted keys), stored beside it and bound by the signature."""
    return hashlib.sha256(json.dumps(estimate, sort_keys=True).encode()).hexdigest()


def estimate_of(study: StabilityStudy) -> tuple[dict[str, Any], bool]:
    """Return (estimate, frozen): the signed snapshot once the report is signed, else computed now."""
    if study.estimate:
        return study.estimate, True
    return compute_estimate(study), False


def report_refusal(study: StabilityStudy) -> str | None:
    """Return why the report cannot be signed (a workflow precondition), or None."""
    waiting = [p for p in pulls(study) if p.state == PullState.PULLED]
    if waiting:
        return f"pulls in testing: {len(waiting)} pulled time point(s) lack results; finish them first"
    estimate = compute_estimate(study)
    if estimate["shelf_life_months"] is None:
        return "no shelf-life estimate: the long-term condition has no fitted attribute yet"
    return None


def sign_report(
    *, actor: User, study: StabilityStudy, password: str, reason: str, otp: str | None = None
) -> StabilityStudy:
    """Sign the study report (QA, 'approved'); the estimate and its SHA-256 are frozen into the study."""
    engine.transition(actor, study, "sign_report", reason=reason, password=password, otp=otp)
    return study


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
