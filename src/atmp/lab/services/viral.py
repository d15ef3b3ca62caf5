"""Viral clearance studies (ICH Q5A(R2)): open a study, add its steps, attach its report, submit and
approve it; the log reduction values and the claim per virus are computed by atmp.stats.viral.

Rules (docs/lab.md "Viral clearance studies", /work/shared/REGULATORY.md "Viral clearance"):
- LRV = log10(titre_in × volume_in) − log10(titre_out × volume_out); no virus detected: the output
  titre is the assay's detection limit, given or computed from the sampled volume (Poisson), and the
  LRV is reported '≥'.
- A counted step needs an LRV above 1 log10; a step is excluded only with a reason; two counted steps
  of the same mechanism for one virus need a justification (the later step's reason).
- Replicate runs of a step: each run's LRV is shown; the claim takes the lowest run (conservative;
  atmp.stats does not average runs).
- The claim per virus is the sum of the counted steps as atmp.stats.viral.clearance computes it,
  '≥' when a counted step is; approval freezes it into the study (ADR 0025).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.files.services import store
from atmp.lab.models.viral import Mechanism, TitreUnit, ViralClearanceStep, ViralClearanceStudy
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, StaleRecord
from atmp.manufacturing.models.products import ProcessVersion, Product
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.stats import report, viral
from atmp.stats.errors import StatsInputError
from atmp.workflow import engine

METHOD = "ICH Q5A(R2) log reduction values"
SOURCE = "ICH Q5A(R2) (2023) §6 and Annex 3"
RULE = (
    f"counted: LRV above {viral.MINIMUM_COUNTED_LRV:g} log10; one step per mechanism unless justified; "
    "replicate runs: the lowest"
)
LIMITS = {"title": 200, "laboratory": 200, "model_viruses": 500}
STEP_TEXTS = {"name": 200, "virus": 100, "virus_family": 100, "virus_size_nm": 40, "count_reason": 4000}
NUMBERS = ("load_log10_titre", "load_volume_ml", "output_log10_titre", "output_volume_ml")
LIMIT_NUMBERS = ("detection_limit_log10", "sampled_volume_ml")


NO_CLAIM = "no counted step"


def number(value: float) -> str:
    """Return a computed value as stored and answered: a decimal string of 6 places (the ledger keeps no floats)."""
    return f"{value:.6f}"


def ge_text(value: float, greater_equal: bool) -> str:
    """Return an LRV as reported: two decimals, '≥ ' when no virus was detected."""
    return f"{'≥ ' if greater_equal else ''}{value:.2f}"


# --- finding ------------------------------------------------------------------------------------


def find_study(number: str, *, user: User | None = None, field: str = "study") -> ViralClearanceStudy:
    """Return the study of the number (or id) the user may see, or refuse naming the field."""
    key = str(number).strip()
    rows = ViralClearanceStudy.objects.select_related("product", "site", "process_version", "report")
    found = rows.filter(number=key.upper()).first()
    if found is None and key.isdecimal() and len(key) < 19:
        found = rows.filter(pk=int(key)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no viral clearance study {number!r}")
    return found


def live_steps(study: ViralClearanceStudy) -> list[ViralClearanceStep]:
    """Return the study's live steps in order."""
    return list(study.steps.filter(voided=False).order_by("position"))


# --- computing ----------------------------------------------------------------------------------


def output_log10(step: ViralClearanceStep) -> float:
    """Return the output titre (log10 per mL): measured, else the detection limit, else the Poisson limit."""
    if step.output_detected:
        return float(step.output_log10_titre)  # type: ignore[arg-type]
    if step.detection_limit_log10 is not None:
        return float(step.detection_limit_log10)
    return viral.poisson_detection_limit(float(step.sampled_volume_ml))  # type: ignore[arg-type]


def _stats_step(step: ViralClearanceStep, name: str, mechanism: str) -> viral.Step:
    return viral.Step(
        step=name,
        mechanism=mechanism,
        load_log10_titre=float(step.load_log10_titre),
        load_volume_ml=float(step.load_volume_ml),
        output_log10_titre=output_log10(step),
        output_volume_ml=float(step.output_volume_ml),
        output_detected=step.output_detected,
    )


def _where(step: ViralClearanceStep) -> str:
    return f"{step.virus}, step {step.name!r} run {step.run}"


def compute_results(study: ViralClearanceStudy, steps: Iterable[ViralClearanceStep] | None = None) -> dict[str, Any]:
    """Return every run's LRV and the claim per virus (atmp.stats.viral), or refuse naming the rule broken."""
    rows = list(steps) if steps is not None else live_steps(study)
    if not rows:
        raise InvalidInput("steps", "no steps: a viral clearance study needs at least one step")
    viruses: dict[str, list[ViralClearanceStep]] = {}
    for row in rows:
        viruses.setdefault(row.virus, []).append(row)
    return {
        "method": METHOD,
        "source": SOURCE,
        "rule": RULE,
        "viruses": [_virus_result(name, virus_rows) for name, virus_rows in viruses.items()],
        # As every atmp.stats result (docs/statistics.md): the input is the steps' content hash.
        "provenance": report.provenance(
            method=METHOD, variant=RULE, parameters={}, n=len(rows), input_sha256=steps_hash(rows)
        ),
    }


def _virus_result(virus: str, rows: list[ViralClearanceStep]) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    lowest: dict[str, tuple[ViralClearanceStep, float]] = {}
    for row in rows:
        try:
            lrv = viral.log_reduction(_stats_step(row, f"{row.name} run {row.run}", row.mechanism))
        except StatsInputError as exc:
            raise InvalidInput(exc.field, f"{_where(row)}: {exc}") from None
        runs.append({"row": row, "lrv": lrv})
        held = lowest.get(row.name)
        if held is None or (lrv, row.output_detected is False) < (held[1], held[0].output_detected is False):
            lowest[row.name] = (row, lrv)
    # The steps counted toward the claim, their mechanism key for atmp.stats: a justified second step of
    # a mechanism is given a key of its own, so stats sums it (a person justified it; stats cannot).
    seen: dict[str, str] = {}
    counted: list[viral.Step] = []
    for name, (row, _lrv) in lowest.items():
        if not row.counted:
            continue
        key = row.mechanism
        if key in seen:
            if not row.count_reason.strip():
                raise InvalidInput(
                    "count_reason",
                    f"{_where(row)}: mechanism {row.get_mechanism_display()!r} is already counted at step "
                    f"{seen[key]!r}; steps of the same mechanism are not summed without a justification "
                    "(ICH Q5A(R2) §6): give the reason, or exclude one of them",
                )
            key = f"{row.mechanism}:{name}"
        else:
            seen[key] = name
        counted.append(_stats_step(row, name, key))
    first = rows[0]
    head = {"virus": virus, "family": first.virus_family, "enveloped": first.enveloped, "size_nm": first.virus_size_nm}
    if not counted:  # allowed while drafting; submitting and approving refuse it (claims_refusal)
        steps = [_run_document(run["row"], run["lrv"], lowest, {}) for run in runs]
        return {**head, "steps": steps, "claim": None, "claim_greater_equal": False, "claim_text": NO_CLAIM}
    try:
        clearance = viral.clearance(counted)
    except StatsInputError as exc:
        raise InvalidInput(exc.field, f"{virus}: {exc}") from None
    for reduction in clearance.steps:
        if not reduction.counted:
            raise InvalidInput(
                "counted",
                f"{virus}, step {reduction.step!r}: {reduction.reason} (ICH Q5A(R2) §6: a step of "
                f"{viral.MINIMUM_COUNTED_LRV:g} log10 or less is not counted); exclude it, with the reason",
            )
    used = {r.step: r for r in clearance.steps}
    return {
        **head,
        "steps": [_run_document(run["row"], run["lrv"], lowest, used) for run in runs],
        "claim": number(clearance.claim),
        "claim_greater_equal": clearance.claim_greater_equal,
        "claim_text": ge_text(clearance.claim, clearance.claim_greater_equal),
    }


def _run_document(
    row: ViralClearanceStep, lrv: float, lowest: dict[str, tuple[ViralClearanceStep, float]], used: dict[str, Any]
) -> dict[str, Any]:
    ge = not row.output_detected
    in_claim = lowest[row.name][0] is row and row.name in used
    if in_claim:
        reason = used[row.name].reason
        if row.count_reason.strip():
            reason += f"; justification: {row.count_reason.strip()}"
    elif not row.counted:
        reason = f"excluded: {row.count_reason.strip()}"
    else:
        reason = "a higher replicate run: the claim takes the lowest run of the step"
    return {
        "position": row.position,
        "step": row.name,
        "mechanism": row.mechanism,
        "mechanism_label": row.get_mechanism_display(),
        "run": row.run,
        "titre_unit": row.titre_unit,
        "output_log10_titre": number(output_log10(row)),
        "lrv": number(lrv),
        "greater_equal": ge,
        "lrv_text": ge_text(lrv, ge),
        "counted": row.counted,
        "in_claim": in_claim,
        "reason": reason,
    }


def claims_refusal(study: ViralClearanceStudy) -> str | None:
    """Return the broken counting rule of the study's steps (a workflow precondition), or None."""
    try:
        results = compute_results(study)
    except InvalidInput as exc:
        return str(exc)
    empty = [v["virus"] for v in results["viruses"] if v["claim"] is None]
    if empty:
        return f"counted: {', '.join(empty)}: no step is counted, so there is no claim for this virus"
    return None


def results_of(study: ViralClearanceStudy) -> tuple[dict[str, Any] | None, str, bool]:
    """Return (results, refusal, frozen): the signed snapshot when approved, else computed now."""
    if study.results:
        return study.results, "", True
    try:
        return compute_results(study), "", False
    except InvalidInput as exc:
        return None, str(exc), False


# --- writing ------------------------------------------------------------------------------------


def _check_write(actor: User, study: ViralClearanceStudy, *, reason: str, version: int | None = None) -> None:
    require(actor, study.write_permission)
    if not can_see(actor, study):
        raise NotAllowed(f"{study.record_key} belongs to a site that is not yours")
    if version is not None and version != study.version:
        raise StaleRecord(f"{study.number}: you saw version {version}, version {study.version} is current")


def _draft(study: ViralClearanceStudy, what: str) -> None:
    if study.voided or study.status != "draft":
        raise Conflict(
            f"frozen: {study.number} is {study.state_label().lower()}; {what} only while it is a draft "
            "(return it to draft, or open a new study)"
        )


def open_study(
    *,
    actor: User,
    site: Site,
    title: str,
    product: Product,
    laboratory: str,
    model_viruses: str,
    process_version: ProcessVersion | None = None,
    reason: str = "",
) -> ViralClearanceStudy:
    """Open a viral clearance study (numbered VC-YYYY-NNNN) of a product's process at a site."""
    require(actor, ViralClearanceStudy.write_permission)
    if site is None or site.voided or not can_see(actor, site):
        raise InvalidInput("site", "name a live site of yours")
    if product is None or product.voided:
        raise InvalidInput("product", "name a live product")
    if process_version is not None:
        if process_version.voided or process_version.product_id != product.pk:
            raise InvalidInput("process_version", f"is not a live process version of {product.code}")
        if process_version.site_id != site.pk:
            raise InvalidInput("process_version", f"is a process version of another site, not {site.code}")
    values = {
        "title": edits.text(title, "title", limit=LIMITS["title"], required=True),
        "laboratory": edits.text(laboratory, "laboratory", limit=LIMITS["laboratory"], required=True),
        "model_viruses": edits.text(model_viruses, "model_viruses", limit=LIMITS["model_viruses"], required=True),
    }
    with writer.change(actor=actor, reason=reason) as ch:
        number = next_number(ch, ViralClearanceStudy, "VC", clock.now().year)
        study = ViralClearanceStudy(
            number=number, site=site, product=product, process_version=process_version, **values
        )
        ch.save(study)
    return study


def _decimal(value: Any, field: str, *, positive: bool = False) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(field, "must be a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(field, f"must be a number, not {value!r}") from None
    if not number.is_finite():
        raise InvalidInput(field, "must be a finite number")
    if abs(number) >= Decimal("1e9"):
        raise InvalidInput(field, "is out of range")
    if positive and number <= 0:
        raise InvalidInput(field, "must be above 0")
    if (field.endswith("log10_titre") or field == "detection_limit_log10") and not -20 <= number <= 20:
        raise InvalidInput(field, "a log10 titre per mL lies between -20 and 20")
    return number.quantize(Decimal("0.001"))


def _step_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, limit in STEP_TEXTS.items():
        values[name] = edits.text(
            fields.get(name), name, limit=limit, required=name in ("name", "virus", "virus_family")
        )
    mechanism = str(fields.get("mechanism") or "").strip()
    if mechanism not in Mechanism.values:
        raise InvalidInput("mechanism", f"one of {', '.join(Mechanism.values)}, not {mechanism!r}")
    unit = str(fields.get("titre_unit") or "").strip()
    if unit not in TitreUnit.values:
        raise InvalidInput("titre_unit", f"one of {', '.join(TitreUnit.values)}, not {unit!r}")
    for name in ("enveloped", "output_detected", "counted"):
        if not isinstance(fields.get(name), bool):
            raise InvalidInput(name, "must be true or false")
    run = fields.get("run", 1)
    if isinstance(run, bool) or not isinstance(run, int) or not 1 <= run <= 99:
        raise InvalidInput("run", "a whole number from 1 to 99")
    values.update(
        mechanism=mechanism,
        titre_unit=unit,
        run=run,
        enveloped=fields["enveloped"],
        output_detected=fields["output_detected"],
        counted=fields["counted"],
    )
    values["load_log10_titre"] = _decimal(fields.get("load_log10_titre"), "load_log10_titre")
    values["load_volume_ml"] = _decimal(fields.get("load_volume_ml"), "load_volume_ml", positive=True)
    values["output_volume_ml"] = _decimal(fields.get("output_volume_ml"), "output_volume_ml", positive=True)
    values["output_log10_titre"] = _decimal(fields.get("output_log10_titre"), "output_log10_titre")
    values["detection_limit_log10"] = _decimal(fields.get("detection_limit_log10"), "detection_limit_log10")
    values["sampled_volume_ml"] = _decimal(fields.get("sampled_volume_ml"), "sampled_volume_ml", positive=True)
    for name in ("load_log10_titre", "load_volume_ml", "output_volume_ml"):
        if values[name] is None:
            raise InvalidInput(name, "must be filled in")
    if values["output_detected"]:
        if values["output_log10_titre"] is None:
            raise InvalidInput("output_log10_titre", "virus was detected in the output: give its titre")
        for name in LIMIT_NUMBERS:
            if values[name] is not None:
                raise InvalidInput(name, "only for an output where no virus was detected (output_detected false)")
    else:
        if values["output_log10_titre"] is not None:
            raise InvalidInput(
                "output_log10_titre",
                "no virus was detected: leave it empty and give the detection limit or the sampled volume",
            )
        sampled = values["sampled_volume_ml"]
        if sampled is not None and sampled > values["output_volume_ml"]:
            raise InvalidInput("sampled_volume_ml", "the volume sampled is at most the output volume")
        given = [n for n in LIMIT_NUMBERS if values[n] is not None]
        if len(given) != 1:
            raise InvalidInput(
                "detection_limit_log10",
                "no virus was detected: give either the assay's detection limit (log10 per mL) or the "
                "volume sampled (mL; the Poisson limit at 95 % is computed), one of them",
            )
    if not values["counted"] and not values["count_reason"]:
        raise InvalidInput("count_reason", "a step excluded from the claim needs the reason it is excluded")
    return values


def steps_hash(steps: Iterable[ViralClearanceStep]) -> str:
    """Return the SHA-256 of the steps' content (JSON, sorted keys), stored on the study."""
    fields = ("position", "name", "mechanism", "virus", "virus_family", "enveloped", "virus_size_nm", "run")
    more = ("titre_unit", *NUMBERS, "output_detected", *LIMIT_NUMBERS, "counted", "count_reason")
    document = [{f: str(getattr(s, f)) for f in (*fields, *more)} for s in steps]
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def add_step(*, actor: User, study: ViralClearanceStudy, reason: str = "", **fields: Any) -> ViralClearanceStep:
    """Add a run of a step spiked with a virus to a draft study; refused when it breaks a counting rule."""
    _check_write(actor, study, reason=reason)
    _draft(study, "steps are added")
    values = _step_values(fields)
    existing = live_steps(study)
    for other in existing:
        if other.virus == values["virus"] and other.name == values["name"]:
            if other.run == values["run"]:
                raise InvalidInput("run", f"{values['virus']}, step {values['name']!r} already has run {other.run}")
            for name in ("mechanism", "counted"):
                if getattr(other, name) != values[name]:
                    raise InvalidInput(name, f"differs from run {other.run} of the same step and virus")
    position = max((s.position for s in existing), default=0) + 1
    step = ViralClearanceStep(study=study, position=position, **values)
    compute_results(study, [*existing, step])  # refuses a rule broken before anything is written
    why = reason or f"step {step.name!r} ({step.virus}, run {step.run}) added to {study.number}"
    with writer.change(actor=actor, reason=why) as ch:
        ch.save(step)
        study.steps_hash = steps_hash([*existing, step])
        ch.save(study)
    return step


def void_step(*, actor: User, step: ViralClearanceStep, reason: str) -> ViralClearanceStep:
    """Void a step of a draft study (a mistyped run), with the reason; the rest must still hold."""
    study = step.study
    _check_write(actor, study, reason=reason)
    _draft(study, "steps are voided")
    if not (reason or "").strip():
        raise InvalidInput("reason", "say why the step is voided (Annex 11 §9)")
    if step.voided:
        raise Conflict(f"{step.record_key} is already voided")
    rest = [s for s in live_steps(study) if s.pk != step.pk]
    if rest:
        compute_results(study, rest)
    with writer.change(actor=actor, reason=reason) as ch:
        step.voided = True
        ch.save(step)
        study.steps_hash = steps_hash(rest)
        ch.save(study)
    return step


def attach_report(
    *, actor: User, study: ViralClearanceStudy, stream: IO[bytes], name: str, reason: str = ""
) -> ViralClearanceStudy:
    """Store the testing laboratory's final report (hashed) and make it the study's report, before approval."""
    _check_write(actor, study, reason=reason)
    if study.voided or study.status not in ("draft", "in_review"):
        raise Conflict(f"{study.number} is {study.state_label().lower()}: its report is attached before approval")
    try:
        with writer.change(actor=actor, reason=reason or f"final report of {study.number}") as ch:
            stored = store(actor=actor, stream=stream, name=name, site=study.site, reason=ch.reason)
            study.report = stored
            ch.save(study)
    except BaseException:
        study.refresh_from_db()
        raise
    return study


def submit(*, actor: User, study: ViralClearanceStudy, reason: str, version: int | None = None) -> ViralClearanceStudy:
    """Submit the draft study for QA's review."""
    engine.transition(actor, study, "submit", reason=reason, version=version)
    return study


def approve(
    *, actor: User, study: ViralClearanceStudy, password: str, reason: str, otp: str | None = None
) -> ViralClearanceStudy:
    """Approve the study (QA, signed 'approved', not its author); its computed results are frozen into it."""
    engine.transition(actor, study, "approve", reason=reason, password=password, otp=otp)
    return study
