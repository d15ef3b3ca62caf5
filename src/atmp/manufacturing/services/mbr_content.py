"""A master batch record's content as one JSON document: checked whole before anything is written,
written through the ledger, read back as the same document, and hashed (docs/manufacturing.md).

Every rule here refuses with InvalidInput naming the step and the field ("step 3.parameters[2].nor_low"),
so the first bad field refuses the whole document and nothing is written.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site
from atmp.ledger import canonical
from atmp.manufacturing import units as parameter_units
from atmp.quality.models.documents import Document
from atmp.quality.services import edits
from atmp.trace import units as lot_units
from atmp.trace.models.materials import Material

GRADES = ("A", "B", "C", "D")
MAX_STEPS = 500
MAX_ROWS = 100  # parameters, controls, materials or SOPs of one step
MAX_DECIMALS = 6
MAX_LIMIT = Decimal(10) ** 12
STEP_KEYS = frozenset(
    {"number", "title", "instructions", "sops", "room_grade", "equipment_classes", "parallel_with_previous"}
    | {"verification", "parameters", "controls", "materials"}
)
TOP_KEYS = frozenset({"title", "steps"})
PARAMETER_KEYS = frozenset({"name", "unit", "nor_low", "nor_high", "par_low", "par_high", "decimals"})
CONTROL_KEYS = frozenset({"name", "unit", "low", "high"})
MATERIAL_KEYS = frozenset({"material", "quantity", "unit", "tolerance_percent", "verification"})


@dataclass
class ParameterPlan:
    """A checked critical process parameter."""

    name: str
    unit: str
    nor_low: Decimal | None
    nor_high: Decimal | None
    par_low: Decimal | None
    par_high: Decimal | None
    decimals: int


@dataclass
class ControlPlan:
    """A checked in-process control."""

    name: str
    unit: str
    low: Decimal | None
    high: Decimal | None


@dataclass
class MaterialPlan:
    """A checked bill-of-materials line."""

    material: Material
    quantity: Decimal
    unit: str
    tolerance_percent: Decimal
    verification: bool


@dataclass
class StepPlan:
    """A checked step and its rows."""

    number: int
    title: str
    instructions: str
    sops: list[Document]
    room_grade: str
    equipment_classes: list[str]
    parallel_with_previous: bool
    verification: bool
    parameters: list[ParameterPlan] = field(default_factory=list)
    controls: list[ControlPlan] = field(default_factory=list)
    materials: list[MaterialPlan] = field(default_factory=list)


@dataclass
class ContentPlan:
    """A checked document: the title and the steps, ready to be written."""

    title: str
    steps: list[StepPlan]


def _keys(value: Any, where: str, allowed: frozenset[str], required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(where, "must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(
            f"{where}.{unknown[0]}" if where else unknown[0], f"is not a field; known: {', '.join(sorted(allowed))}"
        )
    for name in required:
        if name not in value:
            raise InvalidInput(f"{where}.{name}" if where else name, "is required")
    return value


def _list(value: Any, where: str, *, limit: int = MAX_ROWS) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(where, "must be a list")
    if len(value) > limit:
        raise InvalidInput(where, f"at most {limit} entries")
    return value


def _flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(where, "must be true or false")
    return value


def number(value: Any, where: str, *, places: int = MAX_DECIMALS) -> Decimal | None:
    """Return a limit as a Decimal (None when open), refusing text that is not a finite number in range."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidInput(where, "must be a number (as text or a JSON number) or null")
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(where, f"{value!r} is not a number") from None
    if not found.is_finite() or abs(found) >= MAX_LIMIT:
        raise InvalidInput(where, f"must be a finite number below {MAX_LIMIT:,} in size")
    if found != found.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput(where, f"at most {places} decimal places")
    return found


def _unit(value: Any, where: str) -> str:
    try:
        return parameter_units.unit(value).code
    except parameter_units.UnitRefused as exc:
        raise InvalidInput(where, str(exc)) from None


def _name(value: Any, where: str, seen: set[str]) -> str:
    name = edits.text(value, where, required=True, limit=200)
    if name.lower() in seen:
        raise InvalidInput(where, f"{name!r} is named twice in this step")
    seen.add(name.lower())
    return name


def _parameter(raw: Any, where: str, seen: set[str]) -> ParameterPlan:
    row = _keys(raw, where, PARAMETER_KEYS, ("name", "unit"))
    decimals = row.get("decimals", 0)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        raise InvalidInput(f"{where}.decimals", f"must be a whole number 0-{MAX_DECIMALS}")
    plan = ParameterPlan(
        name=_name(row.get("name"), f"{where}.name", seen),
        unit=_unit(row.get("unit"), f"{where}.unit"),
        decimals=decimals,
        **{
            k: number(row.get(k), f"{where}.{k}", places=decimals)
            for k in ("nor_low", "nor_high", "par_low", "par_high")
        },
    )
    if all(getattr(plan, k) is None for k in ("nor_low", "nor_high", "par_low", "par_high")):
        raise InvalidInput(f"{where}.nor_low", "a critical process parameter has a range: give at least one bound")
    # ICH Q8(R2) glossary: the normal operating range lies within the proven acceptable range, so a
    # side the PAR closes is closed by the NOR too, and PAR_low <= NOR_low <= NOR_high <= PAR_high.
    for side in ("low", "high"):
        if getattr(plan, f"par_{side}") is not None and getattr(plan, f"nor_{side}") is None:
            raise InvalidInput(
                f"{where}.nor_{side}", f"the NOR lies within the PAR: give nor_{side} as par_{side} is given"
            )
    chain = [(k, getattr(plan, k)) for k in ("par_low", "nor_low", "nor_high", "par_high")]
    given = [(k, v) for k, v in chain if v is not None]
    for (k1, v1), (k2, v2) in itertools.pairwise(given):
        if v1 > v2:
            raise InvalidInput(
                f"{where}.{k2}", f"{k2} {v2} is below {k1} {v1}: the rule is par_low <= nor_low <= nor_high <= par_high"
            )
    return plan


def _control(raw: Any, where: str, seen: set[str]) -> ControlPlan:
    row = _keys(raw, where, CONTROL_KEYS, ("name", "unit"))
    plan = ControlPlan(
        name=_name(row.get("name"), f"{where}.name", seen),
        unit=_unit(row.get("unit"), f"{where}.unit"),
        low=number(row.get("low"), f"{where}.low"),
        high=number(row.get("high"), f"{where}.high"),
    )
    if plan.low is None and plan.high is None:
        raise InvalidInput(f"{where}.low", "an in-process control has a limit: give low, high or both")
    if plan.low is not None and plan.high is not None and plan.low > plan.high:
        raise InvalidInput(f"{where}.high", f"high {plan.high} is below low {plan.low}")
    return plan


def _material(raw: Any, where: str) -> MaterialPlan:
    row = _keys(raw, where, MATERIAL_KEYS, ("material", "quantity", "unit"))
    code = row.get("material")
    found = Material.objects.filter(code=str(code).strip(), voided=False).first() if isinstance(code, str) else None
    if found is None:
        raise InvalidInput(f"{where}.material", f"there is no material {code!r} in the catalogue")
    try:
        quantity = lot_units.quantity(row.get("quantity"), field=f"{where}.quantity")
        unit = lot_units.unit(row.get("unit"), field=f"{where}.unit").code
    except lot_units.UnitError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    # A line in another unit than the material's is kept only where trace.units converts it exactly
    # (mL of a material counted in L); across dimensions it is refused, never silently taken.
    if not lot_units.convertible(unit, found.unit):
        raise InvalidInput(
            f"{where}.unit", f"{unit} cannot be converted to {found.unit}, the unit {found.code} is counted in"
        )
    tolerance = number(row.get("tolerance_percent", 0), f"{where}.tolerance_percent", places=2) or Decimal(0)
    if not 0 <= tolerance <= 100:
        raise InvalidInput(f"{where}.tolerance_percent", "must be 0 to 100 (± % of the quantity)")
    return MaterialPlan(found, quantity, unit, tolerance, _flag(row.get("verification"), f"{where}.verification"))


def _sops(raw: Any, where: str, site: Site) -> list[Document]:
    found: list[Document] = []
    for i, value in enumerate(_list(raw, where), 1):
        doc = (
            Document.objects.filter(number=str(value).strip(), voided=False).first() if isinstance(value, str) else None
        )
        if doc is None or (doc.site_id is not None and doc.site_id != site.pk):
            raise InvalidInput(f"{where}[{i}]", f"there is no document {value!r} of site {site.code} or of every site")
        if doc in found:
            raise InvalidInput(f"{where}[{i}]", f"{doc.number} is listed twice")
        found.append(doc)
    return found


def _classes(raw: Any, where: str) -> list[str]:
    found: list[str] = []
    for i, value in enumerate(_list(raw, where), 1):
        name = edits.text(value, f"{where}[{i}]", required=True, limit=40)
        if name in found:
            raise InvalidInput(f"{where}[{i}]", f"{name!r} is listed twice")
        found.append(name)
    return found


def _step(raw: Any, index: int, previous: int, site: Site) -> StepPlan:
    row = _keys(raw, f"steps[{index}]", STEP_KEYS, ("number", "title"))
    n = row.get("number")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 99999:
        raise InvalidInput(f"steps[{index}].number", "must be a whole number 1-99999")
    if n <= previous:
        raise InvalidInput(f"steps[{index}].number", f"step {n} follows step {previous}: numbers increase, each once")
    where = f"step {n}"
    grade = row.get("room_grade") or ""
    if grade not in ("", *GRADES):
        raise InvalidInput(f"{where}.room_grade", f"{grade!r} is not one of A, B, C, D (Annex 1 §4.12) or null")
    parallel = _flag(row.get("parallel_with_previous"), f"{where}.parallel_with_previous")
    if parallel and previous == 0:
        raise InvalidInput(f"{where}.parallel_with_previous", "the first step has no step before it")
    seen: dict[str, set[str]] = {"parameters": set(), "controls": set()}
    return StepPlan(
        number=n,
        title=edits.title(row.get("title"), f"{where}.title"),
        instructions=edits.text(row.get("instructions"), f"{where}.instructions"),
        sops=_sops(row.get("sops"), f"{where}.sops", site),
        room_grade=grade,
        equipment_classes=_classes(row.get("equipment_classes"), f"{where}.equipment_classes"),
        parallel_with_previous=parallel,
        verification=_flag(row.get("verification"), f"{where}.verification"),
        parameters=[
            _parameter(p, f"{where}.parameters[{i}]", seen["parameters"])
            for i, p in enumerate(_list(row.get("parameters"), f"{where}.parameters"), 1)
        ],
        controls=[
            _control(c, f"{where}.controls[{i}]", seen["controls"])
            for i, c in enumerate(_list(row.get("controls"), f"{where}.controls"), 1)
        ],
        materials=[
            _material(m, f"{where}.materials[{i}]")
            for i, m in enumerate(_list(row.get("materials"), f"{where}.materials"), 1)
        ],
    )


def check_document(document: Any, *, site: Site) -> ContentPlan:
    """Return the checked plan of a whole document, or refuse its first bad field (naming step and field)."""
    top = _keys(document, "", TOP_KEYS, ("title", "steps"))
    steps: list[StepPlan] = []
    for index, raw in enumerate(_list(top.get("steps"), "steps", limit=MAX_STEPS), 1):
        steps.append(_step(raw, index, steps[-1].number if steps else 0, site))
    return ContentPlan(title=edits.title(top.get("title")), steps=steps)


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else lot_units.plain(value)


def plan_document(plan: ContentPlan) -> dict[str, Any]:
    """Return the JSON document of a checked plan (the form `mbr show --json` prints)."""
    return {
        "title": plan.title,
        "steps": [
            {
                "number": s.number,
                "title": s.title,
                "instructions": s.instructions,
                "sops": [d.number for d in s.sops],
                "room_grade": s.room_grade or None,
                "equipment_classes": list(s.equipment_classes),
                "parallel_with_previous": s.parallel_with_previous,
                "verification": s.verification,
                "parameters": [
                    {
                        "name": p.name,
                        "unit": p.unit,
                        "nor_low": _plain(p.nor_low),
                        "nor_high": _plain(p.nor_high),
                        "par_low": _plain(p.par_low),
                        "par_high": _plain(p.par_high),
                        "decimals": p.decimals,
                    }
                    for p in s.parameters
                ],
                "controls": [
                    {"name": c.name, "unit": c.unit, "low": _plain(c.low), "high": _plain(c.high)} for c in s.controls
                ],
                "materials": [
                    {
                        "material": m.material.code,
                        "quantity": _plain(m.quantity),
                        "unit": m.unit,
                        "tolerance_percent": _plain(m.tolerance_percent),
                        "verification": m.verification,
                    }
                    for m in s.materials
                ],
            }
            for s in plan.steps
        ],
    }


def content_hash(document: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the document's RFC 8785 canonical JSON."""
    return hashlib.sha256(canonical.dumps(dict(document))).hexdigest()
