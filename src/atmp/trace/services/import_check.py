"""The bulk import's checks: every line of a JSON Lines file, before anything is written (docs/traceability.md).

`check_lines` reads the whole file and returns either the plan of what to create or every bad line
with its number, the field and the rule. References go to records defined on an earlier line or
already stored; the genealogy, the file's uses with the stored ones, must stay a DAG; a lot gives
no more than its quantity, as record_use rules. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.quality.services import edits
from atmp.trace import coi, personal
from atmp.trace.models import Lot, Material, MaterialType, Person, PersonKind
from atmp.trace.services import checks
from atmp.trace.units import UNITS, UnitError, plain
from atmp.trace.units import convert as convert_units
from atmp.trace.units import quantity as unit_quantity
from atmp.trace.workflows.lots import LOT_WORKFLOW

# Each kind's fields: required, then optional. Any other field is refused (a typo is not ignored).
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "material": (frozenset({"code", "name", "type"}), frozenset({"unit", "storage"})),
    "lot": (
        frozenset({"id", "material", "quantity"}),
        frozenset({"status", "expiry", "unit", "donor", "received_at", "location", "supplier_lot"}),
    ),
    "use": (frozenset({"input", "output", "quantity", "unit"}), frozenset({"at"})),
    "donor": (frozenset({"coi"}), frozenset({*personal.FIELD_NAMES, "not_a_duplicate"})),
    "patient": (frozenset({"coi"}), frozenset({*personal.FIELD_NAMES, "not_a_duplicate"})),
    "administration": (frozenset({"lot", "patient", "at"}), frozenset()),
}
KINDS = tuple(FIELDS)
STATUSES = tuple(state.name for state in LOT_WORKFLOW.states)
MAX_ERRORS = 1000  # reported one by one; beyond them, a count
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class LineError:
    """A refused line: its number (from 1), the field at fault ('' for the line itself), and the rule."""

    line: int
    field: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.rule}"


class ImportRefused(InvalidInput):
    """The file has bad lines: each is named; nothing was imported."""

    def __init__(self, errors: list[LineError], more: int = 0) -> None:
        self.errors = errors
        self.more = more
        tail = f" (and {more} more)" if more else ""
        first = "; ".join(str(e) for e in errors[:3])
        super().__init__("file", f"{len(errors) + more} bad lines{tail}, nothing imported: {first}")


class _Bad(Exception):
    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule


@dataclass
class Plan:
    """What a checked file creates, kind by kind in file order, and the file's SHA-256."""

    sha256: str = ""
    lines: int = 0
    materials: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    identities: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (coi, sealed data)
    lots: list[dict[str, Any]] = field(default_factory=list)
    uses: list[dict[str, Any]] = field(default_factory=list)
    administrations: list[dict[str, Any]] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """Return how many records of each kind the file creates."""
        donors = sum(1 for p in self.persons if p["kind"] == PersonKind.DONOR)
        return {
            "material": len(self.materials),
            "lot": len(self.lots),
            "use": len(self.uses),
            "donor": donors,
            "patient": len(self.persons) - donors,
            "identity": len(self.identities),
            "administration": len(self.administrations),
        }


def read(data: bytes | Iterable[bytes]) -> tuple[str, Iterator[tuple[int, bytes]]]:
    """Return the SHA-256 of the whole file and its lines numbered from 1 (blank lines skipped)."""
    chunks = [data] if isinstance(data, bytes) else list(data)
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)

    def lines() -> Iterator[tuple[int, bytes]]:
        number = 0
        for chunk in chunks:
            for raw in chunk.splitlines():
                number += 1
                if raw.strip():
                    yield number, raw

    return digest.hexdigest(), lines()


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
    checker = _Checker(now or clock.now(), site_ids)
    plan = checker.plan
    plan.sha256 = sha256
    parsed = []
    for number, raw in lines:
        plan.lines = number
        try:
            parsed.append((number, *checker.parse(raw)))
        except _Bad as bad:
            checker.refuse(number, bad.field, bad.rule)
    checker.load_stored(parsed)
    for number, kind, values in parsed:
        try:
            checker.resolve(number, kind, values)
        except _Bad as bad:
            checker.refuse(number, bad.field, bad.rule)
    checker.check_cycles()
    if checker.errors:
        raise ImportRefused(sorted(checker.errors, key=lambda e: e.line), checker.more)
    return plan


class _Checker:
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
            values = _decode(raw.decode())
        except UnicodeDecodeError:
            raise _Bad("", "is not UTF-8 text") from None
        except ValueError as exc:
            raise _Bad("", f"is not a JSON object ({exc})") from None
        if not isinstance(values, dict):
            raise _Bad("", 'is not a JSON object: one object per line, e.g. {"kind": "material", …}')
        kind = values.pop("kind", None)
        if kind not in FIELDS:
            raise _Bad("kind", f"{kind!r} is not one of: {', '.join(KINDS)}")
        required, optional = FIELDS[kind]
        missing = sorted(required - values.keys())
        if missing:
            raise _Bad(missing[0], f"is required for a {kind}")
        unknown = sorted(values.keys() - required - optional)
        if unknown:
            raise _Bad(unknown[0], f"is not a field of a {kind}; its fields: {', '.join(sorted(required | optional))}")
        return kind, values

    # --- what is stored --------------------------------------------------------------------

    def load_stored(self, parsed: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Read, in a few queries, the stored records the file names or could collide with."""
        codes, numbers, cois = set(), set(), set()
        for _n, kind, v in parsed:
            if kind == "material":
                codes.add(str(v["code"]))
            elif kind == "lot":
                numbers.add(str(v["id"]))
                codes.add(str(v["material"]))
                if v.get("donor"):
                    cois.add(str(v["donor"]))
            elif kind == "use":
                numbers.update((str(v["input"]), str(v["output"])))
            elif kind in ("donor", "patient"):
                cois.add(str(v["coi"]))
            else:
                numbers.add(str(v["lot"]))
                cois.add(str(v["patient"]))
        for chunk in _chunks(codes):
            for pk, code, unit, type_ in Material._base_manager.filter(code__in=chunk).values_list(
                "pk", "code", "unit", "type"
            ):
                self.stored_materials[code] = (pk, unit, type_)
        # Lot numbers and COIs share one namespace (receive_lot): both are looked up for each.
        for chunk in _chunks(numbers | cois):
            for pk, number, quantity, unit, site_id in Lot._base_manager.filter(number__in=chunk).values_list(
                "pk", "number", "quantity", "unit", "site_id"
            ):
                self.stored_lots[number] = (pk, quantity, unit)
                if self.site_ids is not None and site_id not in self.site_ids:
                    self.hidden.add(number)
            for pk, code, kind, site_id in Person._base_manager.filter(coi__in=chunk).values_list(
                "pk", "coi", "kind", "site_id"
            ):
                self.stored_persons[code] = (pk, kind)
                if self.site_ids is not None and site_id not in self.site_ids:
                    self.hidden.add(code)
        self._load_used()

    def _load_used(self) -> None:
        """Add what the stored uses already took of each stored lot (genealogy.used, for many lots at once)."""
        by_pk = {pk: (number, unit) for number, (pk, _q, unit) in self.stored_lots.items()}
        sql = (
            "SELECT input_id, unit, SUM(CAST(ROUND(quantity * 1000) AS BIGINT)) FROM trace_use "
            "WHERE voided = %s AND input_id IN ({}) GROUP BY input_id, unit"
        )
        for chunk in _chunks(by_pk):
            with connection.cursor() as cursor:
                cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), [False, *chunk])
                for pk, unit, total in cursor.fetchall():
                    number, lot_unit = by_pk[pk]
                    self.taken[number] += convert_units(Decimal(int(total)).scaleb(-3), unit, lot_unit)

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
        code = _field(checks.code, v["code"], "code", limit=40)
        name = _field(edits.text, v["name"], "name", required=True, limit=200)
        type_ = _field(edits.choice, v["type"], "type", MaterialType.values)
        unit = _unit(v["unit"], "unit") if v.get("unit") is not None else None
        storage = _field(edits.text, v.get("storage"), "storage", limit=200)
        self._new_key(code, "code", what="material", materials=True)
        self.materials[code] = (line, unit, type_)
        if unit is None:
            self.unit_pending[code] = len(self.plan.materials)
        self.plan.materials.append({"code": code, "name": name, "type": type_, "unit": unit or "", "storage": storage})

    def _lot(self, line: int, v: dict[str, Any]) -> None:
        number = _field(checks.code, v["id"], "id", limit=60)
        material = str(v["material"])
        known = self.materials.get(material)
        stored = self.stored_materials.get(material)
        if known is None and stored is None:
            raise _Bad("material", f"there is no material {material!r} on an earlier line nor in the catalogue")
        material_unit, material_type = (known[1], known[2]) if known else (stored[1], stored[2])  # type: ignore[index]
        quantity = _quantity(v["quantity"])
        unit = _unit(v["unit"], "unit") if v.get("unit") is not None else material_unit
        if unit is None:
            raise _Bad("unit", f"is required: material {material} has no unit yet (give it one, or the lot's)")
        if material_unit is not None and not _convertible(unit, material_unit):
            raise _Bad("unit", f"{unit} is not a unit of material {material}'s dimension ({material_unit})")
        status = v.get("status") or "quarantine"
        if status not in STATUSES:
            raise _Bad("status", f"{status!r} is not one of: {', '.join(STATUSES)}")
        expiry = _field(edits.date, v.get("expiry"), "expiry")
        if status == "released" and expiry is None:
            raise _Bad("expiry", "is required for a released lot (a lot is released only with its expiry date)")
        donor_id, donor_coi = None, v.get("donor")
        if donor_coi:
            if material_type != MaterialType.STARTING_MATERIAL:
                raise _Bad(
                    "donor", f"only a donation (a lot of a starting material) has a donor; {material} is not one"
                )
            self._person_ref(str(donor_coi), "donor")
            donor_id = str(donor_coi)
        received = _moment(v.get("received_at"), "received_at", self.now)
        self._new_key(number, "id", what="lot")
        self.lots[number] = (line, quantity, unit, status)
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
                "location": _field(edits.text, v.get("location"), "location", limit=200),
                "supplier_lot": _field(edits.text, v.get("supplier_lot"), "supplier_lot", limit=60),
            }
        )

    def _use(self, line: int, v: dict[str, Any]) -> None:
        source, made = str(v["input"]), str(v["output"])
        source_quantity, source_unit = self._lot_ref(source, "input")
        self._lot_ref(made, "output")
        if source == made:
            raise _Bad("output", f"lot {source} cannot be made from itself")
        quantity = _quantity(v["quantity"])
        unit = _unit(v["unit"], "unit")
        if not _convertible(unit, source_unit):
            raise _Bad("unit", f"{unit} cannot be converted to {source_unit}, the unit lot {source} is counted in")
        taken = convert_units(quantity, unit, source_unit)
        left = source_quantity - self.taken[source]
        if taken > left:
            asked = f"{plain(quantity)} {unit}" + (f" (= {plain(taken)} {source_unit})" if unit != source_unit else "")
            raise _Bad("quantity", f"lot {source} has {plain(left)} {source_unit} left: {asked} is more than remains")
        at = _moment(v.get("at"), "at", self.now)
        self.taken[source] += taken
        self.edges.append((line, source, made))
        self.plan.uses.append({"input": source, "output": made, "quantity": quantity, "unit": unit, "at": at})

    def _person(self, line: int, kind: str, v: dict[str, Any]) -> None:
        code = _field(checks.code, v["coi"], "coi", limit=40)
        if coi.COI.match(code) and not coi.is_valid(code):
            raise _Bad("coi", f"{code}: its check character does not match (ISO/IEC 7064 MOD 37-2)")
        values = {name: v[name] for name in personal.FIELD_NAMES if v.get(name) not in (None, "")}
        data: dict[str, str] | None = None
        if values:
            try:
                data = personal.check(values, today=self.today)
            except personal.PersonalDataError as exc:
                raise _Bad(exc.field, exc.message) from None
            self._not_a_duplicate(line, data, confirmed=v.get("not_a_duplicate") is True)
        self._new_key(code, "coi", what="person")
        self.persons[code] = (line, kind)
        self.plan.persons.append({"coi": code, "kind": kind})
        if data is not None:
            self.plan.identities.append((code, data))

    def _administration(self, line: int, v: dict[str, Any]) -> None:
        number, patient = str(v["lot"]), str(v["patient"])
        self._lot_ref(number, "lot")
        if self._person_ref(patient, "patient") != PersonKind.PATIENT:
            raise _Bad("patient", f"{patient} is a donor, not a patient: only a patient is treated")
        at = _moment(v["at"], "at", self.now, required=True)
        self.plan.administrations.append({"lot": number, "patient": patient, "at": at})

    # --- references and keys -----------------------------------------------------------------

    def _lot_ref(self, number: str, name: str) -> tuple[Decimal, str]:
        if number in self.lots:
            _line, quantity, unit, _status = self.lots[number]
            return quantity, unit
        if number in self.stored_lots and number not in self.hidden:
            _pk, quantity, unit = self.stored_lots[number]
            return quantity, unit
        raise _Bad(name, f"there is no lot {number!r} on an earlier line nor stored")

    def _person_ref(self, code: str, name: str) -> str:
        if code in self.persons:
            return self.persons[code][1]
        if code in self.stored_persons and code not in self.hidden:
            return self.stored_persons[code][1]
        raise _Bad(name, f"there is no person {code!r} on an earlier line nor stored")

    def _new_key(self, key: str, name: str, *, what: str, materials: bool = False) -> None:
        """Refuse a key defined on an earlier line or stored (lot numbers and COIs share one namespace)."""
        if materials:
            earlier = self.materials.get(key)
            if earlier is not None:
                raise _Bad(name, f"material {key} is defined already on line {earlier[0]}")
            if key in self.stored_materials:
                raise _Bad(name, f"material {key} is in the catalogue already")
            return
        if key in self.lots:
            raise _Bad(name, f"{key} is lot {key} already, on line {self.lots[key][0]}")
        if key in self.persons:
            raise _Bad(name, f"{key} is a person's COI already, on line {self.persons[key][0]}")
        if key in self.stored_lots:
            raise _Bad(name, f"there is already a lot {key}; a lot number names one lot, and no {what} besides")
        if key in self.stored_persons:
            raise _Bad(name, f"{key} is a stored person's COI; a {what} needs a code of its own")

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
                raise _Bad("hospital_number", f"is given already on line {self.hospital_numbers[key]}")
            if live.filter(hospital_number_index__in=keys.index_hashes(personal.hospital_number_key(number))).exists():
                raise _Bad("hospital_number", "is registered already for another person")
            self.hospital_numbers[key] = line
        if confirmed:
            return
        search = personal.name_and_birth_date_key(data["name"], data["birth_date"])
        earlier = self.names.get(search.hex())
        if earlier is not None:
            raise _Bad(
                "name",
                f'a person of this name and birth date is on line {earlier}: if another, add "not_a_duplicate": true',
            )
        if live.filter(name_birth_date_index__in=keys.index_hashes(search)).exists():
            raise _Bad(
                "name",
                'a person of this name and birth date is registered already: if another, add "not_a_duplicate": true',
            )
        self.names[search.hex()] = line

    # --- the genealogy stays a DAG -------------------------------------------------------------

    def check_cycles(self) -> None:
        """Refuse each use of the file that closes a cycle through the file's uses and the stored ones."""
        if not self.edges:
            return
        graph: dict[str, list[str]] = defaultdict(list)
        for _line, source, made in self.edges:
            graph[source].append(made)
        stored = {pk: number for number, (pk, _q, _u) in self.stored_lots.items()}
        if stored:
            # Stored edges matter only where the file's uses touch stored lots: load the stored
            # genealogy reachable forward from those (one recursive query per chunk).
            for source, made in _stored_edges(list(stored)):
                graph[source].append(made)
        cyclic = _in_or_after_cycles(graph)
        for line, source, made in self.edges:
            if source not in cyclic or made not in cyclic:
                continue
            path = _path(graph, made, source)
            if path is not None:
                cycle = " → ".join([source, *path])
                self.refuse(line, "output", f"using {source} in {made} makes a cycle in the genealogy: {cycle}")


def _in_or_after_cycles(graph: dict[str, list[str]]) -> set[str]:
    """Return the lots that Kahn's topological sort cannot order: those on a cycle or after one (linear time)."""
    indegree: dict[str, int] = defaultdict(int)
    for source, outputs in graph.items():
        indegree.setdefault(source, 0)
        for made in outputs:
            indegree[made] += 1
    ready = [lot for lot, n in indegree.items() if n == 0]
    while ready:
        lot = ready.pop()
        del indegree[lot]
        for made in graph.get(lot, ()):
            indegree[made] -= 1
            if indegree[made] == 0:
                ready.append(made)
    return set(indegree)


def _stored_edges(lot_ids: list[int]) -> Iterator[tuple[str, str]]:
    """Yield (input number, output number) of every live stored use reachable forward from the lots."""
    for chunk in _chunks(lot_ids):
        marks = ", ".join(["%s"] * len(chunk))
        sql = f"""
            WITH RECURSIVE down(id) AS (
                SELECT id FROM trace_lot WHERE id IN ({marks})
                UNION
                SELECT u.output_id FROM down JOIN trace_use u ON u.input_id = down.id WHERE u.voided = %s
            )
            SELECT a.number, b.number FROM down
            JOIN trace_use u ON u.input_id = down.id AND u.voided = %s
            JOIN trace_lot a ON a.id = u.input_id JOIN trace_lot b ON b.id = u.output_id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, False, False])
            yield from cursor.fetchall()


def _path(graph: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """Return the lots from start to goal along the graph's edges (start first), or None."""
    parent: dict[str, str | None] = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            path = [node]
            while (previous := parent[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in parent:
                parent[nxt] = node
                stack.append(nxt)
    return None


# --- field checks, each refusal naming the field --------------------------------------------------


# A JSON number with a fraction is read exactly, never as a float (DESIGN principle 7).
_decode = json.JSONDecoder(parse_float=Decimal).decode


def _field(check: Any, value: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return check(value, name, *args, **kwargs)
    except InvalidInput as exc:
        raise _Bad(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None


def _unit(value: Any, name: str) -> str:
    if value not in UNITS:
        raise _Bad(name, f"{value!r} is not a UCUM code this site uses; known: {', '.join(UNITS)}")
    return str(value)


def _convertible(source: str, target: str) -> bool:
    return UNITS[source].dimension == UNITS[target].dimension


def _quantity(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Bad("quantity", "must be a number")
    try:
        return unit_quantity(value, field="quantity")
    except UnitError as exc:
        raise _Bad(exc.field, exc.message) from None


def _moment(value: Any, name: str, now: dt.datetime, *, required: bool = False) -> dt.datetime:
    if value in (None, ""):
        if required:
            raise _Bad(name, "is required: give the time it happened, e.g. 2026-12-01T09:30:00+01:00")
        return now
    if not isinstance(value, str):
        raise _Bad(name, "must be a time like 2026-12-01T09:30:00+01:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(name, f"{value!r} is not a time like 2026-12-01T09:30:00+01:00") from None
    if moment.tzinfo is None:
        raise _Bad(name, "give a time with its zone, e.g. 2026-12-01T09:30:00+01:00")
    if moment > now:
        raise _Bad(name, "cannot be in the future")
    return moment.astimezone(dt.UTC)


def _chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch = list(items)
    for start in range(0, len(batch), _LOOKUP_CHUNK):
        yield batch[start : start + _LOOKUP_CHUNK]
