"""Samples, their custody in the lab, and results: entered, checked, evaluated, corrected, reviewed.

Rules, each refusal naming its own (issue 15, "Bad input"; DESIGN principle 7), checked before
anything is written (one ledger change per write, so nothing is half-written):

- `attribute not in specification`: a result is judged against an attribute of the specification the
  sample's batch is pinned to (atmp.lab.services.specifications.for_batch); a sample of a cell bank
  or seed lot only, against its material's bank specification (specifications.for_bank, ADR 0030).
- `method not fit`: the attribute's method must be fit for the specification's phase (methods.fit_for).
- `instrument not usable`: the instrument (manufacturing equipment) must be qualified, calibrated and
  maintained on the test date (manufacturing.services.equipment.usable); a compendial visual test may
  name none.
- `number`: a numeric attribute takes a decimal value (atmp.lab.criteria.parse_value).
- `wrong unit`: a unit that does not convert to the attribute's is refused; one that converts is
  converted only when asked (`convert=True`), both kept (the entered unit and the judged amount).
- `sample not received`: results are entered for a sample received in the lab.
- `correction`: a result is never edited; a correction supersedes the live result with a reason (ADR 0026).
- A result that does not conform opens an OOS investigation in the same change (services.oos).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import IO, Any

from atmp.accounts import signing
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.files.services import store
from atmp.lab import criteria
from atmp.lab import units as lab_units
from atmp.lab.models import (
    AttributeKind,
    BatchSpecification,
    Result,
    Sample,
    SampleCustody,
    SamplePurpose,
    SampleStatus,
    SpecificationAttribute,
)
from atmp.lab.services.methods import fit_for
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, LedgerError, RuleViolation
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Batch, Equipment
from atmp.manufacturing.services.equipment import usable
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.trace.models import Lot
from atmp.trace.services import checks
from atmp.trace.units import UnitError
from atmp.trace.units import quantity as lot_quantity

# Where a sample may go from each state (its life inside the lab).
MOVES: dict[str, tuple[str, ...]] = {
    SampleStatus.REGISTERED: (SampleStatus.RECEIVED, SampleStatus.DISPOSED),
    SampleStatus.RECEIVED: (SampleStatus.IN_TESTING, SampleStatus.RETAINED, SampleStatus.DISPOSED),
    SampleStatus.IN_TESTING: (SampleStatus.CONSUMED, SampleStatus.RETAINED, SampleStatus.DISPOSED),
    SampleStatus.RETAINED: (SampleStatus.IN_TESTING, SampleStatus.DISPOSED),
    SampleStatus.CONSUMED: (),
    SampleStatus.DISPOSED: (),
}
TESTABLE = (SampleStatus.RECEIVED, SampleStatus.IN_TESTING)


def _status(sample: Sample) -> str:
    return SampleStatus(sample.status).label.lower()


# --- samples ------------------------------------------------------------------------------------


def add_sample(
    *,
    actor: User,
    site: Site,
    purpose: str,
    quantity: Any,
    unit: str,
    taken_by: str,
    batch: Batch | None = None,
    lot: Lot | None = None,
    taken_at: Any = None,
    container: str = "",
    storage: str = "",
    note: str = "",
    reason: str = "",
) -> Sample:
    """Register a sample (S-YYYY-NNNN) of a batch and/or lot for a purpose, as it was taken."""
    if site is None or site.voided:
        raise InvalidInput("site", "name a live site of yours")
    edits.check_writer(actor, Sample, site=site)
    purpose = edits.choice(str(purpose or "").lower(), "purpose", SamplePurpose.values)
    if batch is None and lot is None:
        raise InvalidInput("batch", "a sample is of a batch or a lot (or both): name one")
    if batch is not None and (batch.voided or batch.site_id != site.pk):
        raise InvalidInput("batch", f"batch {batch.number} is not a live batch of site {site.code}")
    if lot is not None and (lot.voided or lot.site_id != site.pk):
        raise InvalidInput("lot", f"lot {lot.number} is not a live lot of site {site.code}")
    if purpose == SamplePurpose.RELEASE and batch is None:
        raise InvalidInput("batch", "a release sample is of a batch: it is tested against the batch's specification")
    if purpose == SamplePurpose.BANK and (batch is not None or lot is None or not _is_bank(lot)):
        raise InvalidInput(
            "lot", "a bank sample is of a cell bank or seed lot only: it is tested against its bank specification"
        )
    if not str(unit or "").strip():
        raise InvalidInput("unit", "give the unit of the quantity taken (UCUM, e.g. mL)")
    try:
        code = lab_units.check(str(unit).strip())
        qty = lot_quantity(quantity)
    except UnitError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    sample = Sample(
        site=site,
        purpose=purpose,
        batch=batch,
        lot=lot,
        quantity=qty,
        unit=code,
        taken_by=edits.text(taken_by, "taken_by", required=True, limit=200),
        taken_at=checks.moment(taken_at, "taken_at", skew=dt.timedelta(minutes=2)),
        container=edits.text(container, "container", limit=200),
        storage=edits.text(storage, "storage", limit=200),
        note=edits.text(note, "note"),
    )
    with writer.change(actor=actor, reason=reason or f"{purpose} sample taken") as ch:
        sample.number = next_number(ch, Sample, "S", clock.now().year)
        ch.save(sample)
    return sample


def _check_sample_write(actor: User, sample: Sample) -> None:
    edits.check_writer(actor, Sample, site=sample.site)
    if sample.voided:
        raise Conflict(f"{sample.record_key} is voided")


def move_sample(*, actor: User, sample: Sample, status: str, location: str = "", reason: str = "") -> Sample:
    """Move a sample on in its life (received, in testing, consumed, retained, disposed), or refuse the move."""
    _check_sample_write(actor, sample)
    status = edits.choice(str(status or "").lower(), "status", SampleStatus.values)
    if status not in MOVES[SampleStatus(sample.status)]:
        raise RuleViolation(
            f"sample status: {sample.number} is {_status(sample)}; it cannot become "
            f"{SampleStatus(status).label.lower()}"
        )
    sample.status = status
    if location:
        sample.location = edits.text(location, "location", limit=200)
    try:
        with writer.change(actor=actor, reason=reason or f"{sample.number} {status}") as ch:
            ch.save(sample)
    except BaseException:
        sample.refresh_from_db()
        raise
    return sample


def receive(*, actor: User, sample: Sample, location: str, reason: str = "") -> Sample:
    """Receive a registered sample in the lab, at a location (its first custody entry)."""
    if not str(location or "").strip():
        raise InvalidInput("location", "say where the sample is kept in the lab")
    _check_sample_write(actor, sample)
    if sample.status != SampleStatus.REGISTERED:
        raise RuleViolation(f"sample status: {sample.number} is {_status(sample)}, not registered")
    with writer.change(actor=actor, reason=reason or f"{sample.number} received in the lab") as ch:
        move_sample(actor=actor, sample=sample, status=SampleStatus.RECEIVED, location=location, reason=ch.reason)
        hand_over(
            actor=actor, sample=sample, from_person=sample.taken_by, to_person=actor.username, location=location,
            reason=ch.reason,
        )  # fmt: skip
    return sample


def hand_over(
    *,
    actor: User,
    sample: Sample,
    from_person: str,
    to_person: str,
    location: str,
    at: Any = None,
    note: str = "",
    reason: str = "",
) -> SampleCustody:
    """Record a hand-over of a sample inside the lab (chain of custody): from whom, to whom, where, when."""
    _check_sample_write(actor, sample)
    if sample.status in (SampleStatus.CONSUMED, SampleStatus.DISPOSED):
        raise RuleViolation(f"sample status: {sample.number} is {_status(sample)}: nothing to hand over")
    row = SampleCustody(
        sample=sample,
        from_person=edits.text(from_person, "from_person", required=True, limit=200),
        to_person=edits.text(to_person, "to_person", required=True, limit=200),
        location=edits.text(location, "location", required=True, limit=200),
        at=checks.moment(at, "at", skew=dt.timedelta(minutes=2)),
        note=edits.text(note, "note"),
    )
    with writer.change(actor=actor, reason=reason or f"{sample.number} handed over") as ch:
        ch.save(row)
        if sample.location != row.location:
            sample.location = row.location
            ch.save(sample)
    return row


def find_sample(value: Any, *, user: User | None = None, field: str = "sample") -> Sample:
    """Return the sample of the number (or id), one the user may see, or refuse naming the field."""
    text = str(value or "").strip()
    found = Sample.objects.select_related("site", "batch", "lot").filter(number=text).first()
    if found is None and text.isdecimal():
        found = Sample.objects.select_related("site", "batch", "lot").filter(pk=int(text)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no sample {text!r}")
    return found


# --- results ------------------------------------------------------------------------------------


def superseded(result: Result) -> bool:
    """Return True when a later result (a correction or retest) supersedes this one."""
    return Result.objects.filter(supersedes=result, voided=False).exists()


def live_results(sample: Sample) -> list[Result]:
    """Return the sample's results that stand (not superseded, not voided), in the specification's order."""
    rows = list(Result.objects.filter(sample=sample, voided=False).select_related("attribute", "method", "instrument"))
    replaced = {r.supersedes_id for r in rows if r.supersedes_id}
    return sorted((r for r in rows if r.pk not in replaced), key=lambda r: (r.attribute.position, r.pk))


def _is_bank(lot: Lot) -> bool:
    from atmp.trace.models import CellBank

    return CellBank.objects.filter(lot=lot, voided=False).exists()


def attributes_for(sample: Sample, *, actor: User | None = None) -> list[SpecificationAttribute]:
    """Return the attributes a sample is judged against: its batch's pinned specification, or its bank's."""
    from atmp.lab.services.specifications import for_bank, for_batch

    if sample.batch_id is not None:
        # Once pinned (the usual case), the attributes and their specification in one statement.
        pinned = BatchSpecification.objects.filter(batch_id=sample.batch_id, voided=False).values("specification_id")
        rows = list(
            SpecificationAttribute.objects.filter(specification_id__in=pinned, voided=False)
            .select_related("method", "specification")
            .order_by("position")
        )
        if rows:
            return rows
    if sample.batch is not None:  # not pinned yet: pinned now
        spec = for_batch(sample.batch, actor=actor)
    elif sample.lot is not None and _is_bank(sample.lot):
        spec = for_bank(sample.lot)
    else:
        raise InvalidInput(
            "sample",
            f"no batch: {sample.number} is of a lot only; results are judged against a batch's specification "
            "(or a cell bank's)",
        )
    return list(
        SpecificationAttribute.objects.filter(specification=spec, voided=False)
        .select_related("method", "specification")
        .order_by("position")
    )


def _attribute(sample: Sample, attribute: Any, actor: User) -> SpecificationAttribute:
    rows = attributes_for(sample, actor=actor)
    if isinstance(attribute, SpecificationAttribute):
        chosen = next((a for a in rows if a.pk == attribute.pk), None)
    else:
        text = str(attribute or "").strip()
        chosen = next((a for a in rows if str(a.position) == text or a.name.lower() == text.lower()), None)
    if chosen is None:
        spec = rows[0].specification if rows else None
        of = f"batch {sample.batch.number}" if sample.batch else f"lot {sample.lot.number if sample.lot else ''}"
        raise InvalidInput(
            "attribute",
            f"attribute not in specification: {attribute!s} is not an attribute of {spec or 'the batch specification'} "
            f"({of}); attributes: " + ", ".join(f"{a.position} {a.name}" for a in rows),
        )
    return chosen


def _instrument(value: Any, sample: Sample, tested_on: dt.date) -> Equipment | None:
    from atmp.manufacturing.services.equipment import find_equipment

    if value in (None, ""):
        return None
    equipment = value if isinstance(value, Equipment) else find_equipment(str(value), field="instrument")
    if equipment.site_id != sample.site_id:
        raise InvalidInput("instrument", f"{equipment.code} is equipment of another site")
    at = dt.datetime.combine(tested_on, dt.time(12), tzinfo=dt.UTC)
    why = usable(equipment, on=min(at, clock.now()))
    if why:
        raise InvalidInput("instrument", f"instrument not usable: {why} (EU GMP Chapter 6 §6.20, Chapter 3 §3.41)")
    return equipment


def _judge(attribute: SpecificationAttribute, value: Any, unit: Any, convert: bool) -> dict[str, Any]:
    """Return the parsed number, unit, conversion and evaluation of a value for an attribute, or refuse it."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise InvalidInput("value", "required: give the result as read")
    if len(text) > 100:
        raise InvalidInput("value", "at most 100 characters")
    given = str(unit or "").strip()
    out: dict[str, Any] = {"value_entered": text, "number": "", "unit": given, "converted": False, "amount": text}
    if attribute.kind == AttributeKind.CONFORMS:
        if given:
            raise InvalidInput(
                "unit", f"wrong unit: {attribute.name} is judged conforms / does not conform, without a unit"
            )
    elif attribute.kind == AttributeKind.NUMERIC or given or attribute.unit:
        try:
            op, number = criteria.parse_value(text)
        except criteria.CriterionError as exc:
            if attribute.kind == AttributeKind.REPORT:
                op, number = "", None
            else:
                raise InvalidInput("value", f"{exc.message} ({attribute.name} is numeric)") from None
        target = attribute.unit
        given = given or target
        out["unit"] = given
        if number is not None:
            out["number"] = f"{number}"
            if given != target:
                try:
                    lab_units.check(given)
                except UnitError as exc:
                    raise InvalidInput("unit", f"wrong unit: {exc.message}") from None
                if not target or not lab_units.convertible(given, target):
                    raise InvalidInput(
                        "unit",
                        f"wrong unit: {given} is not a unit of {attribute.name}, "
                        f"which is reported in {target or 'no unit'}",
                    )
                if not convert:
                    raise InvalidInput(
                        "unit",
                        f"unit mismatch: the value is in {given}, {attribute.name} in {target}; enter it in {target} "
                        "or convert it explicitly (convert)",
                    )
                amount = lab_units.convert(number, given, target)
                out["converted"] = True
                out["amount"] = f"{op}{amount.normalize():f}"
    try:
        # A conforms or report attribute's criterion is descriptive text ("No growth"): judged by its kind.
        criterion = attribute.criterion if attribute.kind == AttributeKind.NUMERIC else attribute.kind
        judged = criteria.evaluate(criterion, out["amount"])
    except criteria.CriterionError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    out["reported"] = judged["reported"]
    out["conforms"] = None if attribute.kind == AttributeKind.REPORT else judged["conforms"]
    return out


def prepare(
    *,
    actor: User,
    sample: Sample,
    attribute: Any,
    value: Any,
    unit: Any = None,
    convert: bool = False,
    instrument: Any = None,
    tested_on: Any = None,
    note: str = "",
    supersedes: Result | None = None,
    correction_reason: str = "",
) -> Result:
    """Return the checked, evaluated result, not yet saved (the import checks every line with it first)."""
    edits.check_writer(actor, Result, site=sample.site)
    if sample.voided:
        raise Conflict(f"{sample.record_key} is voided")
    if sample.status not in TESTABLE:
        raise RuleViolation(
            f"sample not received: {sample.number} is {_status(sample)}; results are entered "
            "for a sample received in the lab (or in testing)"
        )
    row = _attribute(sample, attribute, actor)
    spec = row.specification
    broken = fit_for(row.method, spec.phase)
    if broken:
        raise RuleViolation(broken)
    day = edits.date(tested_on, "tested_on") or clock.now().date()
    if day > clock.now().date():
        raise InvalidInput("tested_on", "cannot be in the future")
    if day < sample.taken_at.date():
        raise InvalidInput("tested_on", f"cannot be before the sample was taken ({sample.taken_at.date().isoformat()})")
    judged = _judge(row, value, unit, convert)
    return Result(
        sample=sample,
        specification=spec,
        attribute=row,
        method=row.method,
        analyst=actor.username,
        instrument=_instrument(instrument, sample, day),
        tested_on=day,
        supersedes=supersedes,
        correction_reason=correction_reason,
        note=edits.text(note, "note"),
        **judged,
    )


def save_result(ch: writer.Change, actor: User, result: Result) -> Result:
    """Save a prepared result in the caller's change, moving the sample into testing and opening an OOS."""
    from atmp.lab.services.oos import open_for

    sample = result.sample
    ch.save(result)
    if sample.status == SampleStatus.RECEIVED:
        sample.status = SampleStatus.IN_TESTING
        ch.save(sample)
    if result.conforms is False:
        open_for(ch, actor, result)
    from atmp.lab.services.disposition import late_result

    # A batch released before this result: note its arrival; when it fails, alert the QP and the site.
    late_result(ch, actor, result)
    return result


def record_result(
    *, actor: User, sample: Sample, attribute: Any, value: Any, reason: str = "", **fields: Any
) -> Result:
    """Enter a result of a sample for an attribute; checked, evaluated (USP 7.20), an OOS opened if it fails."""
    result = prepare(actor=actor, sample=sample, attribute=attribute, value=value, **fields)
    what = f"{result.attribute.name} of sample {sample.number}"
    try:
        with writer.change(actor=actor, reason=reason or what) as ch:
            save_result(ch, actor, result)
    except BaseException:
        sample.refresh_from_db()
        raise
    return result


def correct_result(*, actor: User, result: Result, value: Any, reason: str, **fields: Any) -> Result:
    """Record a correction or retest: a new result superseding the live one, with the reason (the original stays)."""
    why = edits.text(reason, "reason", required=True, limit=500)
    if result.voided or superseded(result):
        raise Conflict(
            f"correction: {result.record_key} is superseded or voided already: correct the result that stands"
        )
    sample = result.sample
    new = prepare(
        actor=actor, sample=sample, attribute=result.attribute, value=value, supersedes=result,
        correction_reason=why, **fields,
    )  # fmt: skip
    try:
        with writer.change(actor=actor, reason=why) as ch:
            save_result(ch, actor, new)
    except BaseException:
        sample.refresh_from_db()
        raise
    return new


def review(*, actor: User, result: Result, password: str, otp: str | None = None) -> Signature:
    """Sign the result 'reviewed' as the second person (never the analyst who entered it)."""
    if result.voided or superseded(result):
        raise Conflict(f"{result.record_key} is superseded or voided: review the result that stands")
    return signing.sign(signer=actor, record=result, meaning="reviewed", password=password, otp=otp)


def reviewed_by(result: Result) -> list[Signature]:
    """Return the result's 'reviewed' signatures."""
    return list(
        Signature.objects.filter(record_type=result.record_type(), record_id=str(result.pk), meaning="reviewed")
    )


def find_result(value: Any, *, user: User | None = None, field: str = "result") -> Result:
    """Return the result of the id (one the user may see), or refuse naming the field."""
    text = str(value or "").strip()
    found = (
        Result.objects.select_related("sample__site", "attribute", "method", "instrument").filter(pk=int(text)).first()
        if text.isdecimal()
        else None
    )
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no result {text!r}")
    return found


# --- import -------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("sample", "attribute", "value", "unit", "instrument", "tested_on", "convert", "note")
MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_LINES = 2_000


def import_csv(
    *, actor: User, stream: IO[bytes], name: str, sample: Sample | None = None, reason: str = ""
) -> list[Result]:
    """Import results from a CSV file: every line checked first, nothing written on any error; the file kept.

    Columns: attribute, value (required); sample (unless one sample is given), unit, instrument,
    tested_on (YYYY-MM-DD), convert (yes/no), note. The file is stored (atmp.files, with its SHA-256)
    and every result it produced points at it (`source_file`).
    """
    data = stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("file", f"at most {MAX_IMPORT_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", "not UTF-8 text: save the file as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    unknown = [c for c in columns if c not in IMPORT_COLUMNS]
    if unknown:
        raise InvalidInput(
            "file", f"line 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(IMPORT_COLUMNS)}"
        )
    for needed in ("attribute", "value") + (() if sample is not None else ("sample",)):
        if needed not in columns:
            raise InvalidInput("file", f"line 1: column {needed!r} is missing")
    rows = list(reader)
    if not rows:
        raise InvalidInput("file", "no results: the file has a header and no lines")
    if len(rows) > MAX_IMPORT_LINES:
        raise InvalidInput("file", f"at most {MAX_IMPORT_LINES} lines")
    problems: list[str] = []
    results: list[Result] = []
    samples: dict[str, Sample] = {}
    with writer.change(actor=actor, reason=reason or f"results imported from {name}") as ch:
        for number, raw in enumerate(rows, start=2):
            row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            try:
                key = row.get("sample", "")
                if sample is None and key not in samples:  # one instance per sample: its status moves once
                    samples[key] = find_sample(key, user=actor)
                target = sample if sample is not None else samples[key]
                if sample is not None and row.get("sample") and row["sample"] != sample.number:
                    raise InvalidInput("sample", f"{row['sample']!r} is not {sample.number}, the sample imported to")
                convert = row.get("convert", "").lower()
                if convert not in ("", "yes", "no", "true", "false"):
                    raise InvalidInput("convert", "yes or no")
                results.append(
                    prepare(
                        actor=actor,
                        sample=target,
                        attribute=row.get("attribute"),
                        value=row.get("value"),
                        unit=row.get("unit") or None,
                        convert=convert in ("yes", "true"),
                        instrument=row.get("instrument") or None,
                        tested_on=row.get("tested_on") or None,
                        note=row.get("note", ""),
                    )
                )
            except InvalidInput as exc:
                problems.append(f"line {number}: {exc}")
            except LedgerError as exc:
                problems.append(f"line {number}: {exc}")
        if problems:
            raise InvalidInput("file", "nothing imported; " + "; ".join(problems))
        site = results[0].sample.site
        stored = store(actor=actor, stream=io.BytesIO(data), name=name, site=site, reason=ch.reason)
        for result in results:
            result.source_file = stored
            save_result(ch, actor, result)
    return results
