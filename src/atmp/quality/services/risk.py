"""Risk assessments (ICH Q9(R1)): the site's scale, FMEA worksheets and their rows.

`scale_for(site)` is the public entry other areas call (a deviation's classification scores on it).
Status moves only through the workflow (`atmp workflow do … submit|approve|…`).
"""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, StaleRecord
from atmp.quality import risk
from atmp.quality.models.risk import FmeaRow, RiskAssessment, RiskScale
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow import links

ASSESSMENT_FIELDS = ("title", "product", "process", "scope", "conclusion")
ROW_TEXTS = {"failure_mode": 500, "effect": 4000, "cause": 4000, "controls": 4000, "actions": 4000}
SCORES = ("severity", "occurrence", "detectability")
RESIDUAL = ("residual_severity", "residual_occurrence", "residual_detectability")
SCALE_NUMBERS = ("levels", "major_rpn", "critical_rpn", "major_severity", "critical_severity")
DEFINITIONS = ("severity_levels", "occurrence_levels", "detectability_levels")
LIMITS = {"title": 200, "product": 200, "process": 200, "scope": 10000, "conclusion": 10000}


def check_edit(actor: User, record: Any, *, version: int | None, reason: str) -> None:
    """Refuse an edit the actor may not make, of a version they did not see, or without a reason."""
    require(actor, record.write_permission)
    if not can_see(actor, record):
        raise NotAllowed(f"{record.record_key} belongs to a site that is not yours")
    if version is not None and version != record.version:
        raise StaleRecord(
            f"{record.record_key}: you saw version {version}, version {record.version} is current; reload and try again"
        )
    if not (reason or "").strip():
        raise InvalidInput("reason", "say why: a change after creation needs a reason (Annex 11 §9)")


# --- the site's scale ----------------------------------------------------------------------------


def scale_row(site: Site | None) -> RiskScale | None:
    """Return the scale row that applies to the site: its own, else the default row, else None."""
    rows = RiskScale.objects.filter(voided=False)
    if site is not None:
        own = rows.filter(site=site).first()
        if own is not None:
            return own
    return rows.filter(site__isnull=True).first()


def scale_for(site: Site | None) -> risk.Scale:
    """Return the scale a site scores risks on: its own, else the default row, else risk.DEFAULT_SCALE."""
    row = scale_row(site)
    return row.scale() if row is not None else risk.DEFAULT_SCALE


def set_scale(
    *,
    actor: User,
    site: Site | None,
    reason: str,
    levels: int | None = None,
    major_rpn: int | None = None,
    critical_rpn: int | None = None,
    major_severity: int | None = None,
    critical_severity: int | None = None,
    severity_levels: str | None = None,
    occurrence_levels: str | None = None,
    detectability_levels: str | None = None,
    version: int | None = None,
) -> RiskScale:
    """Create or change the scale of a site (site None: the default of every site), with a reason."""
    require(actor, RiskScale.write_permission)
    if site is not None and not can_see(actor, site):
        raise NotAllowed(f"site {site.code} is not one of your sites")
    if site is None and actor.site_ids() is not None:
        raise NotAllowed("the default scale concerns every site: only someone assigned to every site sets it")
    given: dict[str, Any] = {
        "levels": levels,
        "major_rpn": major_rpn,
        "critical_rpn": critical_rpn,
        "major_severity": major_severity,
        "critical_severity": critical_severity,
    }
    texts = {"severity_levels": severity_levels, "occurrence_levels": occurrence_levels}
    texts["detectability_levels"] = detectability_levels
    for name, value in given.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InvalidInput(name, "must be a whole number")
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        row = RiskScale.objects.filter(site=site).first()
        if row is None:
            row = RiskScale(site=site)
        else:
            if not (reason or "").strip():
                raise InvalidInput("reason", "say why the scale changes (Annex 11 §9)")
            if version is not None and version != row.version:
                raise StaleRecord(f"{row.record_key}: you saw version {version}, version {row.version} is current")
        for name, value in given.items():
            if value is not None:
                setattr(row, name, value)
        for name, value in texts.items():
            if value is not None:
                setattr(row, name, edits.text(value, name, limit=10000))
        try:
            scale = row.scale()
        except ValueError as exc:
            where, _, rule = str(exc).partition(": ")
            field = {"thresholds": "critical_rpn", "severity thresholds": "critical_severity"}.get(where, "levels")
            raise InvalidInput(field, rule or str(exc)) from None
        for name in DEFINITIONS:
            lines = [line for line in getattr(row, name).splitlines() if line.strip()]
            if lines and len(lines) != scale.levels:
                raise InvalidInput(name, f"one definition per level: {scale.levels} lines, level 1 first")
        ch.save(row)
    return row


# --- assessments ---------------------------------------------------------------------------------


def open_assessment(
    *,
    actor: User,
    site: Site,
    title: str,
    product: str = "",
    process: str = "",
    scope: str = "",
    conclusion: str = "",
    reason: str = "",
) -> RiskAssessment:
    """Open an FMEA risk assessment at a site, scored on the site's scale as it is now."""
    require(actor, RiskAssessment.write_permission)
    if site is None or not can_see(actor, site) or site.voided:
        raise InvalidInput("site", "name a live site of yours")
    values = {
        "title": edits.text(title, "title", limit=LIMITS["title"], required=True),
        "product": edits.text(product, "product", limit=LIMITS["product"]),
        "process": edits.text(process, "process", limit=LIMITS["process"]),
        "scope": edits.text(scope, "scope", limit=LIMITS["scope"]),
        "conclusion": edits.text(conclusion, "conclusion", limit=LIMITS["conclusion"]),
    }
    scale = scale_for(site)
    with writer.change(actor=actor, reason=reason) as ch:
        number = next_number(ch, RiskAssessment, "RA", clock.now().year)
        assessment = RiskAssessment(
            number=number,
            site=site,
            scale_levels=scale.levels,
            scale_major_rpn=scale.major_rpn,
            scale_critical_rpn=scale.critical_rpn,
            scale_major_severity=scale.major_severity,
            scale_critical_severity=scale.critical_severity,
            **values,
        )
        ch.save(assessment)
    return assessment


def _editable(assessment: RiskAssessment) -> None:
    if assessment.status != "draft":
        raise Conflict(
            f"{assessment.number} is {assessment.state_label().lower()}: an assessment is changed only as a draft "
            "(return it to draft, or open a new assessment that revises it)"
        )


def update_assessment(
    *, actor: User, assessment: RiskAssessment, reason: str, version: int | None = None, **fields: Any
) -> RiskAssessment:
    """Change an assessment's title, product, process, scope or conclusion while it is a draft."""
    unknown = set(fields) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"cannot be changed; editable fields: {', '.join(ASSESSMENT_FIELDS)}")
    check_edit(actor, assessment, version=version, reason=reason)
    _editable(assessment)
    values = {k: edits.text(v, k, limit=LIMITS[k], required=k == "title") for k, v in fields.items() if v is not None}
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            for key, value in values.items():
                setattr(assessment, key, value)
            ch.save(assessment)
    except BaseException:
        assessment.refresh_from_db()
        raise
    return assessment


def _scores(fields: dict[str, Any], scale: risk.Scale, names: tuple[str, ...], *, optional: bool) -> list[int | None]:
    found: list[int | None] = []
    for name in names:
        value = fields.get(name)
        if value is None and optional:
            found.append(None)
            continue
        try:
            risk.check_score(name, value, scale)  # type: ignore[arg-type]  # it refuses what is not an int
        except ValueError as exc:
            raise InvalidInput(name, str(exc).partition(": ")[2]) from None
        found.append(value)
    return found


def _score_row(row: FmeaRow, scale: risk.Scale) -> None:
    """Compute the row's RPN and class, and its residual ones when all three residual scores are given."""
    found = risk.assess(row.severity, row.occurrence, row.detectability, scale)
    row.rpn, row.risk_class = found.rpn, found.suggested
    residual = [row.residual_severity, row.residual_occurrence, row.residual_detectability]
    if all(v is not None for v in residual):
        rs, ro, rd = (int(v) for v in residual if v is not None)
        after = risk.assess(rs, ro, rd, scale)
        row.residual_rpn, row.residual_class = after.rpn, after.suggested
    elif any(v is not None for v in residual):
        missing = next(n for n, v in zip(RESIDUAL, residual, strict=True) if v is None)
        raise InvalidInput(missing, "residual risk is scored on all three: severity, occurrence and detectability")
    else:
        row.residual_rpn, row.residual_class = None, ""


def add_row(*, actor: User, assessment: RiskAssessment, reason: str = "", **fields: Any) -> FmeaRow:
    """Add a failure mode to a draft FMEA: scores on the assessment's scale, RPN computed (never typed)."""
    unknown = set(fields) - set(ROW_TEXTS) - set(SCORES) - set(RESIDUAL)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a field of an FMEA row")
    require(actor, FmeaRow.write_permission)
    if not can_see(actor, assessment):
        raise NotAllowed(f"{assessment.record_key} belongs to a site that is not yours")
    _editable(assessment)
    scale = assessment.scale()
    values = {k: edits.text(fields.get(k), k, limit=n, required=k == "failure_mode") for k, n in ROW_TEXTS.items()}
    s, o, d = _scores(fields, scale, SCORES, optional=False)
    assert s is not None and o is not None and d is not None  # optional=False: each is given or refused
    rs, ro, rd = _scores(fields, scale, RESIDUAL, optional=True)
    row = FmeaRow(
        assessment=assessment,
        severity=s,
        occurrence=o,
        detectability=d,
        residual_severity=rs,
        residual_occurrence=ro,
        residual_detectability=rd,
        **values,
    )
    _score_row(row, scale)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        last = FmeaRow._base_manager.filter(assessment=assessment).order_by("-position").first()
        row.position = (last.position if last else 0) + 1
        ch.save(row)
    return row


def update_row(*, actor: User, row: FmeaRow, reason: str, version: int | None = None, **fields: Any) -> FmeaRow:
    """Change a row of a draft FMEA; its RPNs are computed again from the scores."""
    unknown = set(fields) - set(ROW_TEXTS) - set(SCORES) - set(RESIDUAL)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a field of an FMEA row")
    check_edit(actor, row, version=version, reason=reason)
    assessment = row.assessment
    _editable(assessment)
    scale = assessment.scale()
    texts = {
        k: edits.text(v, k, limit=ROW_TEXTS[k], required=k == "failure_mode")
        for k, v in fields.items()
        if k in ROW_TEXTS
    }
    scores = {k: v for k, v in fields.items() if k in SCORES and v is not None}
    _scores(scores, scale, tuple(scores), optional=False)
    residual = {k: v for k, v in fields.items() if k in RESIDUAL}
    for name, value in residual.items():
        if value is not None:
            _scores({name: value}, scale, (name,), optional=False)
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            for key, value in {**texts, **scores, **residual}.items():
                setattr(row, key, value)
            _score_row(row, scale)
            ch.save(row)
    except BaseException:
        row.refresh_from_db()
        raise
    return row


def remove_row(*, actor: User, row: FmeaRow, reason: str) -> FmeaRow:
    """Remove a row of a draft FMEA: it is voided with the reason, and the ledger keeps it."""
    check_edit(actor, row, version=None, reason=reason)
    _editable(row.assessment)
    with writer.change(actor=actor, reason=reason) as ch:
        row.voided = True
        ch.save(row)
    return row


def revise(*, actor: User, newer: RiskAssessment, older: RiskAssessment, reason: str = "") -> Any:
    """Record that a newer assessment revises an older one (the older may then be superseded)."""
    if newer.pk == older.pk:
        raise InvalidInput("older", "an assessment does not revise itself")
    if older.status != "approved":
        raise Conflict(f"{older.number} is {older.state_label().lower()}: only an approved assessment is revised")
    return links.link(actor=actor, source=newer, target=older, relation="revises", reason=reason)
