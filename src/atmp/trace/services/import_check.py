"""The bulk import's checks: every line of a JSON Lines file, before anything is written (docs/traceability.md).

`check_lines` reads the whole file and returns either the plan of what to create or every bad line
with its number, the field and the rule. References go to records defined on an earlier line or
already stored; the genealogy, the file's uses with the stored ones, must stay a DAG
(import_cycles.py); a lot gives no more than its quantity, as record_use rules. The line format and
the field checks are in import_format.py, the reads of what is stored in import_stored.py.
Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any

from atmp.ledger import clock
from atmp.quality.services import edits
from atmp.trace import coi, personal
from atmp.trace.models import MaterialType, PersonKind
from atmp.trace.services import checks, import_cycles, import_mixups, import_stored
from atmp.trace.services.import_format import (
    FIELDS,
    KINDS,
    MAX_ERRORS,
    STATUSES,
    Bad,
    ImportRefused,
    LineError,
    Plan,
    convertible,
    decode,
    field_value,
    moment,
    quantity_value,
    read,
    unit_code,
)
from atmp.trace.units import convert as convert_units
from atmp.trace.units import is_container, plain

__all__ = ["ImportRefused", "LineError", "Plan", "check_lines", "read"]

ALLOWED = {kind: required | optional for kind, (required, optional) in FIELDS.items()}


def check_lines(
    sha256: str,
    lines: Iterable[tuple[int, bytes]],
    *,
    now: dt.datetime | None = None,
    site_ids: Collection[int] | None = None,
) -> Plan:
    """Check every line; return the plan, or raise ImportRefused naming each bad line.

    site_ids: the sites whose stored lots and persons the importer may name (None: every site);
    a number or COI stored at another site is still taken.
    """
    checker = Checker(now or clock.now(), site_ids)
    plan = checker.plan
    plan.sha256 = sha256
    parsed = []
    for number, raw in lines:
        plan.lines = number
        try:
            parsed.append((number, *checker.parse(raw)))
        except Bad as bad:
            checker.refuse(number, bad.field, bad.rule)
    checker.load_stored(parsed)
    for number, kind, values in parsed:
        try:
            checker.resolve(number, kind, values)
        except Bad as bad:
            checker.refuse(number, bad.field, bad.rule)
    checker.check_cycles()
    import_mixups.check_mix_ups(checker)
    if checker.errors:
        raise ImportRefused(sorted(checker.errors, key=lambda e: e.line), checker.more)
    return plan


class Checker:
    """The checks of one file: what it defines so far, what is stored, the errors found."""

    def __init__(self, now: dt.datetime, site_ids: Collection[int] | None) -> None:
        self.now = now
        self.site_ids = site_ids
        self.hidden: set[str] = set()  # stored numbers and COIs at sites the importer does not work at
        self.today = now.date()
        self.plan = Plan()
        self.errors: list[LineError] = []
        self.more = 0
        # What the file defines (key → line), and what is stored (loaded once, in chunks).
        self.materials: dict[str, tuple[int, str | None, str]] = {}  # code → (line, unit, type)
        self.lots: dict[str, tuple[int, Decimal, str, str]] = {}  # number → (line, quantity, unit, status)
        self.persons: dict[str, tuple[int, str]] = {}  # coi → (line, kind)
        self.stored_materials: dict[str, tuple[int, str, str]] = {}  # code → (pk, unit, type)
        self.stored_lots: dict[str, tuple[int, Decimal, str]] = {}  # number → (pk, quantity, unit)
        self.stored_persons: dict[str, tuple[int, str]] = {}  # coi → (pk, kind)
        self.taken: dict[str, Decimal] = defaultdict(Decimal)  # lot number → used so far, in its unit
        self.edges: list[tuple[int, str, str]] = []  # (line, input, output) of the file's uses
        self.donors: dict[str, str] = {}  # lot number → its donor's COI, of the file's lots
        self.given: list[tuple[int, str, str]] = []  # (line, lot, patient) of the file's administrations
        self.hospital_numbers: dict[str, int] = {}
        self.names: dict[str, int] = {}
        self.unit_pending: dict[str, int] = {}  # material code without a unit → its index in the plan
        self.keys: Any = None  # the identity keys, loaded for the first person with personal data

    def refuse(self, line: int, field: str, rule: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LineError(line, field, rule))
        else:
            self.more += 1

    # --- each line alone -------------------------------------------------------------------

    def parse(self, raw: bytes) -> tuple[str, dict[str, Any]]:
        try:
            values = decode(raw.decode())
        except UnicodeDecodeError:
            raise Bad("", "is not UTF-8 text") from None
        except ValueError as exc:
            raise Bad("", f"is not a JSON object ({exc})") from None
        if not isinstance(values, dict):
            raise Bad("", 'is not a JSON object: one object per line, e.g. {"kind": "material", …}')
        kind = values.pop("kind", None)
        if kind not in FIELDS:
            raise Bad("kind", f"{kind!r} is not one of: {', '.join(KINDS)}")
        required, optional = FIELDS[kind]
        if required <= values.keys() <= ALLOWED[kind]:
            return kind, values  # the usual line: every required field, no other
        missing = sorted(required - values.keys())
        if missing:
            raise Bad(missing[0], f"is required for a {kind}")
        unknown = sorted(values.keys() - required - optional)
        if unknown:
            raise Bad(unknown[0], f"is not a field of a {kind}; its fields: {', '.join(sorted(required | optional))}")
        return kind, values

    # --- what is stored --------------------------------------------------------------------

    # --- what is stored --------------------------------------------------------------------

    def load_stored(self, parsed: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Read, in a few queries, the stored records the file names or could collide with."""
        import_stored.load_stored(self, parsed)

    # --- each line against the others and the store -------------------------------------------

    def resolve(self, line: int, kind: str, v: dict[str, Any]) -> None:
        if kind == "material":
            self._material(line, v)
        elif kind == "lot":
            self._lot(line, v)
        elif kind == "use":
            self._use(line, v)
        elif kind in ("donor", "patient"):
            self._person(line, kind, v)
        else:
            self._administration(line, v)

    def _material(self, line: int, v: dict[str, Any]) -> None:
        code = field_value(checks.code, v["code"], "code", limit=40)
        name = field_value(edits.text, v["name"], "name", required=True, limit=200)
        type_ = field_value(edits.choice, v["type"], "type", MaterialType.values)
        unit = unit_code(v["unit"], "unit") if v.get("unit") is not None else None
        storage = field_value(edits.text, v.get("storage"), "storage", limit=200)
        self._new_key(code, "code", what="material", materials=True)
        self.materials[code] = (line, unit, type_)
        if unit is None:
            self.unit_pending[code] = len(self.plan.materials)
        self.plan.materials.append({"code": code, "name": name, "type": type_, "unit": unit or "", "storage": storage})

    def _lot(self, line: int, v: dict[str, Any]) -> None:
        number = field_value(checks.code, v["id"], "id", limit=60)
        material = str(v["material"])
        known = self.materials.get(material)
        stored = self.stored_materials.get(material)
        if known is None and stored is None:
            raise Bad("material", f"there is no material {material!r} on an earlier line nor in the catalogue")
        material_unit, material_type = (known[1], known[2]) if known else (stored[1], stored[2])  # type: ignore[index]
        quantity = quantity_value(v["quantity"])
        unit = unit_code(v["unit"], "unit") if v.get("unit") is not None else material_unit
        if unit is None:
            raise Bad("unit", f"is required: material {material} has no unit yet (give it one, or the lot's)")
        if material_unit is not None and not convertible(unit, material_unit):
            raise Bad("unit", f"{unit} is not a unit of material {material}'s dimension ({material_unit})")
        status = v.get("status") or "quarantine"
        if status not in STATUSES:
            raise Bad("status", f"{status!r} is not one of: {', '.join(STATUSES)}")
        expiry = field_value(edits.date, v.get("expiry"), "expiry")
        if status == "released" and expiry is None:
            raise Bad("expiry", "is required for a released lot (a lot is released only with its expiry date)")
        donor_id, donor_coi = None, v.get("donor")
        if donor_coi:
            if material_type != MaterialType.STARTING_MATERIAL:
                raise Bad("donor", f"only a donation (a lot of a starting material) has a donor; {material} is not one")
            self._person_ref(str(donor_coi), "donor")
            donor_id = str(donor_coi)
        received = moment(v.get("received_at"), "received_at", self.now)
        self._new_key(number, "id", what="lot")
        self.lots[number] = (line, quantity, unit, status)
        if donor_id is not None:
            self.donors[number] = donor_id
        if known is not None and known[1] is None and material in self.unit_pending:
            # A material given without a unit is counted in the unit of its first lot.
            self.plan.materials[self.unit_pending.pop(material)]["unit"] = unit
            self.materials[material] = (known[0], unit, known[2])
        self.plan.statuses.add(status)
        self.plan.lots.append(
            {
                "number": number,
                "material": material,
                "status": status,
                "expiry_date": expiry,
                "quantity": quantity,
                "unit": unit,
                "donor": donor_id,
                "received_at": received,
                "location": field_value(edits.text, v.get("location"), "location", limit=200),
                "supplier_lot": field_value(edits.text, v.get("supplier_lot"), "supplier_lot", limit=60),
            }
        )

    def _use(self, line: int, v: dict[str, Any]) -> None:
        source, made = str(v["input"]), str(v["output"])
        source_quantity, source_unit = self._lot_ref(source, "input")
        self._lot_ref(made, "output")
        if source == made:
            raise Bad("output", f"lot {source} cannot be made from itself")
        quantity = quantity_value(v["quantity"])
        unit = unit_code(v["unit"], "unit")
        taken = self._take(source, source_quantity, source_unit, quantity, unit)
        at = moment(v.get("at"), "at", self.now)
        self.taken[source] += taken
        self.edges.append((line, source, made))
        self.plan.uses.append({"input": source, "output": made, "quantity": quantity, "unit": unit, "at": at})

    def _take(self, number: str, lot_quantity: Decimal, lot_unit: str, quantity: Decimal, unit: str) -> Decimal:
        """Return what the quantity takes of the lot, in its unit; refuse more than remains (record_use's rule)."""
        if not convertible(unit, lot_unit):
            raise Bad("unit", f"{unit} cannot be converted to {lot_unit}, the unit lot {number} is counted in")
        taken = convert_units(quantity, unit, lot_unit)
        left = lot_quantity - self.taken[number]
        if taken > left:
            asked = f"{plain(quantity)} {unit}" + (f" (= {plain(taken)} {lot_unit})" if unit != lot_unit else "")
            raise Bad("quantity", f"lot {number} has {plain(left)} {lot_unit} left: {asked} is more than remains")
        return taken

    def _person(self, line: int, kind: str, v: dict[str, Any]) -> None:
        code = field_value(checks.code, v["coi"], "coi", limit=40)
        if coi.COI.match(code) and not coi.is_valid(code):
            raise Bad("coi", f"{code}: its check character does not match (ISO/IEC 7064 MOD 37-2)")
        values = {name: v[name] for name in personal.FIELD_NAMES if v.get(name) not in (None, "")}
        data: dict[str, str] | None = None
        if values:
            try:
                data = personal.check(values, today=self.today)
            except personal.PersonalDataError as exc:
                raise Bad(exc.field, exc.message) from None
            self._not_a_duplicate(line, data, confirmed=v.get("not_a_duplicate") is True)
        self._new_key(code, "coi", what="person")
        self.persons[code] = (line, kind)
        self.plan.persons.append({"coi": code, "kind": kind})
        if data is not None:
            self.plan.identities.append((code, data))

    def _administration(self, line: int, v: dict[str, Any]) -> None:
        number, patient = str(v["lot"]), str(v["patient"])
        lot_quantity, lot_unit = self._lot_ref(number, "lot")
        if self._person_ref(patient, "patient") != PersonKind.PATIENT:
            raise Bad("patient", f"{patient} is a donor, not a patient: only a patient is treated")
        at = moment(v["at"], "at", self.now, required=True)
        # As genealogy.administer: a quantity given is taken as a use takes it; without one, one
        # container of a lot counted in bags or vials, or all that remains of any other.
        if v.get("quantity") not in (None, ""):
            quantity = quantity_value(v["quantity"])
            unit = unit_code(v["unit"], "unit") if v.get("unit") not in (None, "") else lot_unit
            taken = self._take(number, lot_quantity, lot_unit, quantity, unit)
        elif v.get("unit") not in (None, ""):
            raise Bad("unit", "give the quantity the unit counts, or neither")
        else:
            left = lot_quantity - self.taken[number]
            quantity = Decimal(1) if is_container(lot_unit) else left
            if left <= 0 or quantity > left:
                raise Bad("quantity", f"lot {number} has {plain(left)} {lot_unit} left: nothing remains to administer")
            unit, taken = lot_unit, quantity
        self.taken[number] += taken
        self.given.append((line, number, patient))
        self.plan.administrations.append(
            {"lot": number, "patient": patient, "at": at, "quantity": quantity, "unit": unit}
        )

    # --- references and keys -----------------------------------------------------------------

    def _lot_ref(self, number: str, name: str) -> tuple[Decimal, str]:
        if number in self.lots:
            _line, quantity, unit, _status = self.lots[number]
            return quantity, unit
        if number in self.stored_lots and number not in self.hidden:
            _pk, quantity, unit = self.stored_lots[number]
            return quantity, unit
        raise Bad(name, f"there is no lot {number!r} on an earlier line nor stored")

    def _person_ref(self, code: str, name: str) -> str:
        if code in self.persons:
            return self.persons[code][1]
        if code in self.stored_persons and code not in self.hidden:
            return self.stored_persons[code][1]
        raise Bad(name, f"there is no person {code!r} on an earlier line nor stored")

    def _new_key(self, key: str, name: str, *, what: str, materials: bool = False) -> None:
        """Refuse a key defined on an earlier line or stored (lot numbers and COIs share one namespace)."""
        if materials:
            earlier = self.materials.get(key)
            if earlier is not None:
                raise Bad(name, f"material {key} is defined already on line {earlier[0]}")
            if key in self.stored_materials:
                raise Bad(name, f"material {key} is in the catalogue already")
            return
        if key in self.lots:
            raise Bad(name, f"{key} is lot {key} already, on line {self.lots[key][0]}")
        if key in self.persons:
            raise Bad(name, f"{key} is a person's COI already, on line {self.persons[key][0]}")
        if key in self.stored_lots:
            raise Bad(name, f"there is already a lot {key}; a lot number names one lot, and no {what} besides")
        if key in self.stored_persons:
            raise Bad(name, f"{key} is a stored person's COI; a {what} needs a code of its own")

    def _not_a_duplicate(self, line: int, data: dict[str, str], *, confirmed: bool) -> None:
        """Refuse a hospital number given twice or stored; a name with birth date too, unless confirmed."""
        from atmp.trace import sealed
        from atmp.trace.models import Identity

        keys = self.keys = self.keys or sealed.Keys.load()
        live = Identity._base_manager.filter(voided=False, erased=False)
        number = data.get("hospital_number", "")
        if number:
            key = personal.normalised_hospital_number(number)
            if key in self.hospital_numbers:
                raise Bad("hospital_number", f"is given already on line {self.hospital_numbers[key]}")
            if live.filter(hospital_number_index__in=keys.index_hashes(personal.hospital_number_key(number))).exists():
                raise Bad("hospital_number", "is registered already for another person")
            self.hospital_numbers[key] = line
        if confirmed:
            return
        search = personal.name_and_birth_date_key(data["name"], data["birth_date"])
        earlier = self.names.get(search.hex())
        if earlier is not None:
            raise Bad(
                "name",
                f'a person of this name and birth date is on line {earlier}: if another, add "not_a_duplicate": true',
            )
        if live.filter(name_birth_date_index__in=keys.index_hashes(search)).exists():
            raise Bad(
                "name",
                'a person of this name and birth date is registered already: if another, add "not_a_duplicate": true',
            )
        self.names[search.hex()] = line

    # --- the genealogy stays a DAG -------------------------------------------------------------

    def check_cycles(self) -> None:
        """Refuse each use of the file that closes a cycle through the file's uses and the stored ones."""
        import_cycles.check_cycles(self)
