"""Potency assay runs: a method's run validity criteria, runs with their lots and plate, evaluation by
atmp.stats, review by a second person, and a batch's reportable potency combining valid reviewed runs.

Rules (docs/lab.md "Potency assay runs"; USP <1032>/<1033>/<1034>, Ph. Eur. 5.3):
- A run's method is a potency method with run validity criteria declared.
- Its reference standard lot is of a reference standard material, its critical reagent lots of a critical
  reagent material; each is released by QA (trace status 'released') and not expired on the run date.
- Its plate (CSV: well, preparation, dose, response) names wells A1-H12 once each and two preparations:
  the standard and the test preparation; doses above 0, responses numbers.
- Evaluating computes with atmp.stats.analyses.potency (the `potency` analysis) and judges the run
  against the criteria: valid only when every criterion passes; the outcome is frozen (ADR 0027).
- A run's potency is used only when the run is valid and reviewed (signed by a second person):
  `usable_for_release` names the rule otherwise.
- A batch's reportable potency combines one or more usable runs of one method (Ph. Eur. 5.3 §6.2).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import numpy as np

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.files.services import store
from atmp.lab.models import Method, MethodType, PotencyCriteria, PotencyModel, PotencyResult, PotencyRun
from atmp.ledger import clock, writer
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing.models import Batch
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.stats import potency as rp
from atmp.stats import report
from atmp.stats.analyses import potency as analysis
from atmp.stats.errors import StatsInputError
from atmp.stats.potency_pla import TRANSFORMS
from atmp.stats.table import Table
from atmp.trace.models import Lot, MaterialType
from atmp.workflow import engine

WELL = re.compile(r"^[A-H](?:[1-9]|1[0-2])$")
PLATE_COLUMNS = ("well", "preparation", "dose", "response")
MAX_PLATE_BYTES = 200_000
INVALID_FOR_RELEASE = "invalid assay run used for release"
UNREVIEWED = "unreviewed assay run used for release"
CRITERIA_DECIMALS = (
    "reference_low",
    "reference_high",
    "max_ci_ratio",
    "slope_ratio_low",
    "slope_ratio_high",
    "asymptote_margin",
)


def frozen(value: Any) -> Any:
    """Return a stats document with every float as its repr string (reads back to the same float; no floats stored)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float | np.floating):
        number = float(value)
        return repr(number) if math.isfinite(number) else str(number)
    if isinstance(value, dict):  # keys sorted: the order RFC 8785 hashes them in (ledger snapshots)
        return {str(k): frozen(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [frozen(v) for v in value]
    return str(value)


# --- finding ------------------------------------------------------------------------------------


def find_run(number: Any, *, user: User | None = None, field: str = "run") -> PotencyRun:
    """Return the run of the number (or id) the user may see, or refuse naming the field."""
    key = str(number).strip()
    rows = PotencyRun.objects.select_related("method", "site", "reference_lot", "batch", "analyst", "plate_file")
    found = rows.filter(number=key.upper()).first()
    if found is None and key.isdecimal() and len(key) < 19:
        found = rows.filter(pk=int(key)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no potency run {number!r}")
    return found


def find_result(number: Any, *, user: User | None = None, field: str = "result") -> PotencyResult:
    """Return the reportable potency of the number (or id) the user may see, or refuse naming the field."""
    key = str(number).strip()
    rows = PotencyResult.objects.select_related("batch", "method")
    found = rows.filter(number=key.upper()).first()
    if found is None and key.isdecimal() and len(key) < 19:
        found = rows.filter(pk=int(key)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no potency result {number!r}")
    return found


def criteria_of(method: Method) -> PotencyCriteria | None:
    """Return the method's live run validity criteria, or None."""
    return PotencyCriteria.objects.filter(method=method, voided=False).first()


# --- criteria -----------------------------------------------------------------------------------


def _decimal(value: Any, field: str, *, positive: bool = False) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(field, "must be a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(field, f"must be a number, not {value!r}") from None
    if not number.is_finite() or abs(number) >= Decimal("1e9"):
        raise InvalidInput(field, "must be a finite number below 1e9")
    if positive and number <= 0:
        raise InvalidInput(field, "must be above 0")
    return number


def set_criteria(
    *, actor: User, method: Method, require_linearity: bool = True, note: str = "", reason: str = "", **limits: Any
) -> PotencyCriteria:
    """Declare (or change, audited) a potency method's run validity criteria."""
    edits.check_writer(actor, PotencyCriteria)
    if method is None or method.voided or method.method_type != MethodType.POTENCY:
        raise InvalidInput("method", "name a live method of type potency")
    unknown = set(limits) - set(CRITERIA_DECIMALS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a run validity criterion")
    values: dict[str, Any] = {
        name: _decimal(limits.get(name), name, positive=name != "reference_low" and name != "reference_high")
        for name in CRITERIA_DECIMALS
    }
    if not isinstance(require_linearity, bool):
        raise InvalidInput("require_linearity", "must be true or false")
    low, high = values["reference_low"], values["reference_high"]
    if low is not None and high is not None and low > high:
        raise InvalidInput("reference_high", "must be at least reference_low")
    if (values["slope_ratio_low"] is None) != (values["slope_ratio_high"] is None):
        raise InvalidInput("slope_ratio_low", "give both slope-ratio margins or neither")
    if values["slope_ratio_low"] is not None and not values["slope_ratio_low"] < 1 < values["slope_ratio_high"]:
        raise InvalidInput("slope_ratio_high", "the margins must enclose 1 (slope_ratio_low < 1 < slope_ratio_high)")
    if values["max_ci_ratio"] is not None and values["max_ci_ratio"] <= 1:
        raise InvalidInput("max_ci_ratio", "an upper/lower limit ratio is above 1")
    record = criteria_of(method) or PotencyCriteria(method=method)
    record.require_linearity = require_linearity
    record.note = edits.text(note, "note")
    for name, value in values.items():
        setattr(record, name, value)
    with writer.change(actor=actor, reason=reason or f"run validity criteria of {method.code}") as ch:
        ch.save(record)
    return record


# --- lots and plate -----------------------------------------------------------------------------


def lot_refusal(lot: Lot, *, field: str, material_type: str, on: dt.date) -> str | None:
    """Return why a lot may not be used in a run on a date (type, released, expiry), or None."""
    label = dict(MaterialType.choices)[material_type].lower()
    if lot.voided:
        return f"{field}: lot {lot.number} is voided"
    if lot.material.type != material_type:
        return (
            f"{field}: lot {lot.number} is a {lot.material.get_type_display().lower()}, not a {label} "
            "(USP <1032>: the run uses its qualified reference standard and critical reagents)"
        )
    if lot.status != "released":
        return f"{field}: lot {lot.number} is {lot.state_label().lower()}; only a lot released by QA is used"
    if lot.expiry_date is not None and lot.expiry_date < on:
        expired = lot.expiry_date.isoformat()
        return f"{field}: lot {lot.number} expired on {expired}, before the run date {on.isoformat()}"
    return None


def _lot(value: Any, field: str, user: User) -> Lot:
    if isinstance(value, Lot):
        return value
    found = Lot.objects.select_related("material").filter(number=str(value or "").strip()).first()
    if found is None or not can_see(user, found):
        raise InvalidInput(field, f"there is no lot {value!r}")
    return found


def parse_plate(data: bytes) -> list[list[str]]:
    """Return the plate's wells [well, preparation, dose, response] from its CSV, or refuse naming the line."""
    if len(data) > MAX_PLATE_BYTES:
        raise InvalidInput("plate", f"is larger than {MAX_PLATE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("plate", "is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header) != PLATE_COLUMNS:
        raise InvalidInput("plate", f"the header must be {','.join(PLATE_COLUMNS)}, not {','.join(header)!r}")
    wells: list[list[str]] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 4:
            raise InvalidInput("plate", f"line {line}: 4 cells expected, {len(row)} found")
        well, preparation, dose, response = (c.strip() for c in row)
        well = well.upper()
        if not WELL.match(well):
            raise InvalidInput("plate", f"line {line}: well {well!r} is not one of A1-H12")
        if well in seen:
            raise InvalidInput("plate", f"line {line}: well {well} appears twice")
        seen.add(well)
        if not preparation or len(preparation) > 60:
            raise InvalidInput("plate", f"line {line}: the preparation label is empty or longer than 60")
        d, r = (_decimal(v, "plate") for v in (dose, response))
        if d is None or d <= 0:
            raise InvalidInput("plate", f"line {line}: the dose must be a number above 0")
        if r is None:
            raise InvalidInput("plate", f"line {line}: the response must be a number")
        wells.append([well, preparation, str(d), str(r)])
    if not wells:
        raise InvalidInput("plate", "has no wells")
    return wells


def plate_csv(wells: Iterable[list[str]]) -> bytes:
    """Return the plate's wells as the canonical CSV the computation reads (and hashes)."""
    out = io.StringIO()
    writer_ = csv.writer(out, lineterminator="\n")
    writer_.writerow(PLATE_COLUMNS)
    for w in wells:
        writer_.writerow(w)
    return out.getvalue().encode()


# --- writing a run ------------------------------------------------------------------------------


def add_run(
    *,
    actor: User,
    site: Site,
    method: Method,
    run_date: Any,
    reference_lot: Any,
    plate: IO[bytes],
    plate_name: str = "plate.csv",
    standard: str = "S",
    test: str = "T",
    model: str = PotencyModel.PARALLEL_LINE,
    transform: str = "none",
    reagent_lots: Iterable[Any] = (),
    batch: Batch | None = None,
    note: str = "",
    reason: str = "",
) -> PotencyRun:
    """Record an assay run (numbered PR-YYYY-NNNN) by its analyst, with its lots and plate; refused naming the rule."""
    require(actor, PotencyRun.write_permission)
    if site is None or site.voided or not can_see(actor, site):
        raise InvalidInput("site", "name a live site of yours")
    if method is None or method.voided or method.method_type != MethodType.POTENCY:
        raise InvalidInput("method", "name a live method of type potency")
    if criteria_of(method) is None:
        raise InvalidInput("method", f"{method.code} has no run validity criteria: declare them first")
    model = edits.choice(model, "model", PotencyModel.values)
    transform = edits.choice(transform, "transform", TRANSFORMS)
    on = edits.date(run_date, "run_date", required=True)
    assert on is not None
    if on > clock.now().date():
        raise InvalidInput("run_date", "is in the future")
    standard = edits.text(standard, "standard", required=True, limit=60)
    test = edits.text(test, "test", required=True, limit=60)
    if standard == test:
        raise InvalidInput("test", "the test preparation's label differs from the standard's")
    if batch is not None and (batch.voided or batch.site_id != site.pk):
        raise InvalidInput("batch", f"is not a live batch of site {site.code}")
    reference = _lot(reference_lot, "reference_lot", actor)
    broken = lot_refusal(reference, field="reference_lot", material_type=MaterialType.REFERENCE_STANDARD, on=on)
    if broken:
        raise RuleViolation(broken)
    numbers: list[str] = []
    for value in reagent_lots:
        lot = _lot(value, "reagent_lots", actor)
        broken = lot_refusal(lot, field="reagent_lots", material_type=MaterialType.CRITICAL_REAGENT, on=on)
        if broken:
            raise RuleViolation(broken)
        if lot.number not in numbers:
            numbers.append(lot.number)
    data = plate.read()
    wells = parse_plate(data)
    labels = sorted({w[1] for w in wells})
    if labels != sorted([standard, test]):
        raise InvalidInput(
            "plate", f"its preparations must be the standard {standard!r} and the test {test!r}, not {labels}"
        )
    run = PotencyRun(
        site=site,
        method=method,
        fit_model=model,
        transform=transform,
        analyst=actor,
        run_date=on,
        reference_lot=reference,
        reagent_lots=numbers,
        standard=standard,
        test=test,
        batch=batch,
        plate=wells,
        note=edits.text(note, "note"),
    )
    try:
        with writer.change(actor=actor, reason=reason or f"potency run of {method.code}") as ch:
            run.number = next_number(ch, PotencyRun, "PR", on.year)
            run.plate_file = store(actor=actor, stream=io.BytesIO(data), name=plate_name, site=site, reason=ch.reason)
            ch.save(run)
    except StatsInputError as exc:  # pragma: no cover - nothing computes here
        raise InvalidInput(exc.field, str(exc)) from None
    return run


# --- computing ----------------------------------------------------------------------------------


def _options(run: PotencyRun, criteria: PotencyCriteria) -> dict[str, Any]:
    def number(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    four = run.fit_model == PotencyModel.FOUR_PL
    return {
        "preparation": "preparation",
        "dose": "dose",
        "response": "response",
        "standard": run.standard,
        "block": None,
        "row": None,
        "column": None,
        "transform": run.transform,
        "model": run.fit_model,
        "lower_asymptote": 0.0,
        "slope_ratio_low": number(criteria.slope_ratio_low) if four else None,
        "slope_ratio_high": number(criteria.slope_ratio_high) if four else None,
        "asymptote_margin": number(criteria.asymptote_margin) if four else None,
    }


def compute(run: PotencyRun, criteria: PotencyCriteria | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (stats document with floats, provenance) of the run's plate, or refuse naming the field."""
    criteria = criteria or criteria_of(run.method)
    if criteria is None:
        raise InvalidInput("method", f"{run.method.code} has no run validity criteria")
    data = plate_csv(run.plate)
    options = _options(run, criteria)
    try:
        outcome = analysis.compute(Table.from_bytes(data), options)
    except StatsInputError as exc:
        raise InvalidInput(exc.field, f"the plate cannot be computed: {exc}") from None
    provenance = report.provenance(
        method=outcome.method,
        variant=outcome.variant,
        parameters={k: v for k, v in options.items() if v is not None},
        n=outcome.n,
        input_sha256=hashlib.sha256(data).hexdigest(),
    )
    return outcome.document, provenance


def _reference_response(run: PotencyRun) -> float:
    standard = [w for w in run.plate if w[1] == run.standard]
    top = max(Decimal(w[2]) for w in standard)
    values = [float(w[3]) for w in standard if Decimal(w[2]) == top]
    return sum(values) / len(values)


def verdicts(run: PotencyRun, document: dict[str, Any], criteria: PotencyCriteria) -> list[dict[str, Any]]:
    """Return each run validity criterion's verdict: name, passed, value, limit, source."""
    out: list[dict[str, Any]] = []

    def add(name: str, passed: bool, value: Any, limit: str, source: str) -> None:
        out.append({"criterion": name, "passed": passed, "value": frozen(value), "limit": limit, "source": source})

    if run.fit_model == PotencyModel.PARALLEL_LINE:
        p = {row["source"]: row["p"] for row in document["anova"]}
        add("regression", p.get("regression", 1.0) < 0.05, p.get("regression"), "p < 0.05", "Ph. Eur. 5.3 §3.2.4")
        add(
            "parallelism",
            p.get("non-parallelism", 1.0) >= 0.05,
            p.get("non-parallelism"),
            "p ≥ 0.05",
            "Ph. Eur. 5.3 §3.2.4",
        )
        if criteria.require_linearity and p.get("non-linearity") is not None:
            add("linearity", p["non-linearity"] >= 0.05, p["non-linearity"], "p ≥ 0.05", "Ph. Eur. 5.3 §3.2.4")
    else:
        parallel = document["parallelism"]
        equivalence = parallel["equivalence"].get(run.test, {})
        if equivalence.get("equivalent") is not None:
            low, high = criteria.slope_ratio_low, criteria.slope_ratio_high
            limit = "90 % intervals within the margins"
            if low is not None:
                limit = f"slope ratio 90 % interval within [{low}, {high}]"
            if criteria.asymptote_margin is not None:
                limit += f"; asymptote differences within ±{criteria.asymptote_margin}"
            value = [equivalence.get("slope_ratio_lower"), equivalence.get("slope_ratio_upper")]
            add("parallelism", bool(equivalence["equivalent"]), value, limit, "USP <1032> §4.3, <1034> §3.5")
        else:
            add("parallelism", parallel["p"] >= 0.05, parallel["p"], "F test p ≥ 0.05", "Ph. Eur. 5.3 §3.4.2")
    ratio = document["preparations"][run.test]
    if ratio["lower"] is None or ratio["upper"] is None:
        add("confidence_limits", False, None, "Fieller's g < 1", "Ph. Eur. 5.3 §3.2.5")
    elif criteria.max_ci_ratio is not None:
        width = ratio["upper"] / ratio["lower"]
        add("ci_ratio", width <= float(criteria.max_ci_ratio), width, f"≤ {criteria.max_ci_ratio}", "USP <1033> §4")
    if criteria.reference_low is not None or criteria.reference_high is not None:
        response = _reference_response(run)
        bottom = -math.inf if criteria.reference_low is None else float(criteria.reference_low)
        top = math.inf if criteria.reference_high is None else float(criteria.reference_high)
        limit = f"[{criteria.reference_low or '−∞'}, {criteria.reference_high or '∞'}]"
        add("reference_response", bottom <= response <= top, response, limit, "USP <1032> §4 (system suitability)")
    return out


def lots_refusal(run: PotencyRun) -> str | None:
    """Return why the run's lots are not fit on its run date (re-checked at evaluation), or None."""
    broken = lot_refusal(
        run.reference_lot, field="reference_lot", material_type=MaterialType.REFERENCE_STANDARD, on=run.run_date
    )
    if broken:
        return broken
    for number in run.reagent_lots:
        lot = Lot.objects.select_related("material").get(number=number)
        broken = lot_refusal(lot, field="reagent_lots", material_type=MaterialType.CRITICAL_REAGENT, on=run.run_date)
        if broken:
            return broken
    return None


def evaluate_document(run: PotencyRun) -> dict[str, Any]:
    """Return the frozen outcome of the run: stats document and verdicts as strings, valid, failures, provenance."""
    criteria = criteria_of(run.method)
    assert criteria is not None  # evaluation_refusal checked it
    document, provenance = compute(run, criteria)
    checks = verdicts(run, document, criteria)
    failed = [c["criterion"] for c in checks if not c["passed"]]
    ratio = document["preparations"][run.test]
    return frozen(
        {
            "model": run.fit_model,
            "potency": frozen(ratio["potency_ratio"]),
            "lower": frozen(ratio["lower"]),
            "upper": frozen(ratio["upper"]),
            "residual_df": document["residual_df"],
            "document": frozen(document),
            "criteria": checks,
            "failed": failed,
            "valid": not failed,
            "provenance": frozen(provenance),
        }
    )


def evaluation_refusal(run: PotencyRun) -> str | None:
    """Return why the run cannot be evaluated (criteria missing, lots unfit, plate not computable), or None."""
    if criteria_of(run.method) is None:
        return f"method: {run.method.code} has no run validity criteria"
    broken = lots_refusal(run)
    if broken:
        return broken
    try:
        compute(run)
    except InvalidInput as exc:
        return str(exc)
    return None


def evaluate(*, actor: User, run: PotencyRun, reason: str = "", version: int | None = None) -> PotencyRun:
    """Compute the run and judge it against its method's criteria; the outcome is frozen, valid or invalid."""
    engine.transition(actor, run, "evaluate", reason=reason or f"evaluate {run.number}", version=version)
    return run


def review(*, actor: User, run: PotencyRun, password: str, reason: str, otp: str | None = None) -> PotencyRun:
    """Sign the evaluated run 'reviewed' (a second person, not the analyst)."""
    engine.transition(actor, run, "review", reason=reason, password=password, otp=otp)
    return run


def withdraw(*, actor: User, run: PotencyRun, reason: str) -> PotencyRun:
    """Withdraw a run (a draft entered by mistake, or an evaluated run not to be reviewed), with the reason."""
    if not (reason or "").strip():
        raise InvalidInput("reason", "say why the run is withdrawn")
    engine.transition(actor, run, "withdraw", reason=reason)
    return run


def usable_for_release(run: PotencyRun) -> str | None:
    """Return the rule that forbids using the run's potency for release (invalid, unreviewed), or None."""
    if run.voided or run.status == "withdrawn":
        return f"{INVALID_FOR_RELEASE}: {run.number} is withdrawn"
    if run.status == "draft" or not run.results:
        return f"{INVALID_FOR_RELEASE}: {run.number} is not evaluated"
    if not run.valid:
        failed = ", ".join(run.results.get("failed", [])) or "a criterion"
        return f"{INVALID_FOR_RELEASE}: {run.number} failed {failed} (run validity criteria, USP <1032> §4)"
    if run.status != "reviewed":
        return f"{UNREVIEWED}: {run.number} is not reviewed by a second person (EU GMP Chapter 6 §6.17)"
    return None


# --- combining ----------------------------------------------------------------------------------


def combine(
    *, actor: User, batch: Batch, runs: Iterable[PotencyRun], note: str = "", reason: str = ""
) -> PotencyResult:
    """Record a batch's reportable potency from its valid reviewed runs (one, or combined: Ph. Eur. 5.3 §6.2)."""
    if batch is None or batch.voided or not can_see(actor, batch):
        raise InvalidInput("batch", "name a live batch of yours")
    edits.check_writer(actor, PotencyResult, site=batch.site)
    chosen = list(dict.fromkeys(runs))
    if not chosen:
        raise InvalidInput("runs", "name at least one valid reviewed run")
    for run in chosen:
        broken = usable_for_release(run)
        if broken:
            raise RuleViolation(f"runs: {broken}")
        if run.batch_id != batch.pk:
            raise InvalidInput("runs", f"{run.number} does not measure batch {batch}")
    methods = {run.method_id for run in chosen}
    if len(methods) != 1:
        raise InvalidInput("runs", "runs of one method are combined, not of several")
    if len(chosen) == 1:
        only = chosen[0].results
        results: dict[str, Any] = {
            "potency": only["potency"],
            "lower": only["lower"],
            "upper": only["upper"],
            "method": "single run",
            "homogeneity": None,
            "weights": None,
        }
    else:
        values = [[float(r.results[k]) for r in chosen] for k in ("potency", "lower", "upper")]
        dfs = np.array([float(r.results["residual_df"]) for r in chosen])
        try:
            combined = rp.combine_runs(*(np.array(v) for v in values), dfs=dfs)
        except StatsInputError as exc:
            raise InvalidInput("runs", str(exc)) from None
        results = frozen(
            {
                "potency": combined.potency,
                "lower": combined.lower,
                "upper": combined.upper,
                "method": combined.method,
                "homogeneity": {
                    "chi_square": combined.chi_square,
                    "df": combined.chi_square_df,
                    "p": combined.p_homogeneity,
                },
                "weights": dict(zip([r.number for r in chosen], combined.weights, strict=True)),
            }
        )
        results["provenance"] = frozen(
            report.provenance(
                method="Combination of assays (Ph. Eur. 5.3 §6.2)",
                variant=f"{combined.method} geometric mean, weights 1/var(ln potency)",
                parameters={"runs": [r.number for r in chosen]},
                n=len(chosen),
                input_sha256=None,
            )
        )
    results = frozen(results)
    result = PotencyResult(
        batch=batch,
        method=chosen[0].method,
        runs=[r.number for r in chosen],
        results=json.dumps(results, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        note=edits.text(note, "note"),
    )
    with writer.change(actor=actor, reason=reason or f"reportable potency of {batch}") as ch:
        result.number = next_number(ch, PotencyResult, "PP", clock.now().year)
        ch.save(result)
    return result


def result_values(result: PotencyResult) -> dict[str, Any]:
    """Return a reportable potency's frozen outcome (stored as canonical JSON text)."""
    values: dict[str, Any] = json.loads(result.results)
    return values


def check_visible(actor: User, record: Any) -> None:
    """Refuse a record of a site that is not the actor's."""
    if not can_see(actor, record):
        raise NotAllowed(f"{record.record_key} belongs to a site that is not yours")


__all__ = [
    "INVALID_FOR_RELEASE",
    "add_run",
    "combine",
    "evaluate",
    "find_result",
    "find_run",
    "review",
    "set_criteria",
    "usable_for_release",
    "withdraw",
]
